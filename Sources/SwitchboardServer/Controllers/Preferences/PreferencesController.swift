import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardStorage

/// Preference management (CONTRACT.md §5.3): a location's custom subtypes, and what each contact address is
/// subscribed to. Sends honour the choices (`SendPermission`, checked by `MessageWritesController`). HighLevel's v2
/// document declares no security here; Switchboard takes the conversations scopes, reads `conversations.readonly`
/// and changes `conversations.write`.
struct PreferencesController<Store: ConversationStore>: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/conversations/preferences/custom-subtypes", use: listSubtypes)
        router.post("/conversations/preferences/custom-subtypes", use: createSubtype)
        router.put("/conversations/preferences/custom-subtypes/:id", use: updateSubtype)
        router.get("/conversations/preferences/unsubscriptions/status", use: status)
        router.post("/conversations/preferences/unsubscriptions/user-change", use: change)
    }

    @Sendable func listSubtypes(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsReadonly)
        try Self.requireLocationQuery(request, principal)
        let subtypes = try await store.subtypes(in: principal.locationId, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("customSubtypes")
            json.beginArray()
            for subtype in subtypes { json.subtype(subtype) }
            json.endArray()
        }
    }

    /// Names are unique per location and channel, whatever their case: a contact could not tell two apart.
    @Sendable func createSubtype(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsWrite)
        var body = try await RequestBody.read(request, context: context)
        let name = body.string("name", required: true, maxLength: 100)
        let description = body.string("description", maxLength: 100)
        let channel = body.oneOf("channel", ["email": CustomSubtype.Channel.email, "sms": .sms], required: true)
        let language = body.string("language", required: true, maxLength: 16)
        try body.validate()
        try Self.requireLocationQuery(request, principal)
        guard let name, let channel, let language else { throw SwitchboardError.internalError }
        try await requireUniqueName(name, channel: channel, in: principal.locationId, except: nil, logger: context.logger)
        let subtype = CustomSubtype(
            id: MessageID.generate().rawValue, locationId: principal.locationId, name: name, description: description,
            channel: channel, language: language, createdAt: now())
        try await store.createSubtype(subtype, logger: context.logger)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("customSubtype"); json.subtype(subtype)
        }
    }

    /// Fields given replace the stored ones; archiving keeps the subtype (and its choices), refused for new sends.
    @Sendable func updateSubtype(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsWrite)
        var body = try await RequestBody.read(request, context: context)
        let name = body.string("name", maxLength: 100)
        let description = body.string("description", maxLength: 100)
        let archived = body.bool("archived")
        let legalForm = body.string("resubscription_legal_form_id", maxLength: 256)
        if name?.isEmpty == true { body.rejectField("name should not be empty") }
        try body.validate()
        try Self.requireLocationQuery(request, principal)
        var subtype = try await accessibleSubtype(context.parameters.get("id") ?? "", for: principal, logger: context.logger)
        if let name, !name.isEmpty, name != subtype.name {
            try await requireUniqueName(
                name, channel: subtype.channel, in: principal.locationId, except: subtype.id, logger: context.logger)
            subtype.name = name
        }
        if let description { subtype.description = description }
        if let archived { subtype.archived = archived }
        if let legalForm { subtype.resubscriptionLegalFormId = legalForm }
        subtype.updatedAt = now()
        try await store.updateSubtype(subtype, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("customSubtype"); json.subtype(subtype)
        }
    }

    /// Every topic for each of the contact's addresses (or the one asked for): its email and every address a choice
    /// was made for.
    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsReadonly)
        var form = QueryForm(QueryParameters(request))
        let location = form.string("locationId", required: true)
        let contactId = form.string("contactId", required: true)
        let email = form.string("email")
        try form.validate()
        try principal.requireAccess(toLocationNamed: location)
        guard let contactId else { throw SwitchboardError.internalError }
        let contact = try await store.accessibleContact(
            ContactID(rawValue: contactId), for: principal, logger: context.logger)
        let standing = try await standing(of: contact, email: email, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("contactId"); json.string(contact.id.rawValue)
            json.key("subscriptions"); json.subscriptions(standing)
        }
    }

    /// One change for one address: a topic subscribed or unsubscribed, or (`resub_all`) every topic subscribed.
    /// Subscribing again takes a `legal_reason`, as HighLevel's document says.
    @Sendable func change(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsWrite)
        var body = try await RequestBody.read(request, context: context)
        let location = body.string("locationId", required: true)
        let contactId = body.string("contactId", required: true)
        let email = body.email("email", required: true)
        let legalReason = body.string("legal_reason", maxLength: 1_024)
        let legalDescription = body.string("legal_description", maxLength: 4_096)
        var action: (type: String, name: String?, id: String?, subscribed: Bool)?
        if var nested = body.object("subscription_action") {
            let type = nested.oneOf("type", ["default": "default", "custom": "custom", "resub_all": "resub_all"], required: true)
            let name = nested.oneOf("subtype_name", [SubscriptionTopic.oneOnOneName: SubscriptionTopic.oneOnOneName])
            let id = nested.string("subtype_id", required: type == "custom", maxLength: 256)
            let status = nested.oneOf("subtype_status", ["subscribed": true, "unsubscribed": false], required: true)
            if type == "default" && name == nil { nested.rejectField("subtype_name should not be empty") }
            if type == "resub_all" && status == false { nested.rejectField("subtype_status must be subscribed for resub_all") }
            body.absorb(nested, prefix: "subscription_action")
            if let type, let status { action = (type, name, id, status) }
        } else {
            body.rejectField("subscription_action should not be empty")
        }
        if action?.subscribed == true && legalReason == nil {
            body.rejectField("legal_reason should not be empty")
        }
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        guard let contactId, let email, let action else { throw SwitchboardError.internalError }
        let contact = try await store.accessibleContact(
            ContactID(rawValue: contactId), for: principal, logger: context.logger)
        let time = now()
        switch action.type {
        case "resub_all":
            try await store.resubscribeAll(
                contact: contact.id, email: email, in: principal.locationId, legalReason: legalReason,
                legalDescription: legalDescription, at: time, logger: context.logger)
        default:
            var topic = SubscriptionTopic.oneOnOne
            if action.type == "custom", let id = action.id {
                topic = .custom(try await accessibleSubtype(id, for: principal, logger: context.logger).id)
            }
            try await store.recordChoice(
                SubscriptionChoice(
                    locationId: principal.locationId, contactId: contact.id, email: email, topic: topic,
                    subscribed: action.subscribed, legalReason: legalReason, legalDescription: legalDescription,
                    updatedAt: time),
                logger: context.logger)
        }
        let standing = try await standing(of: contact, email: email, logger: context.logger)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("success"); json.bool(true)
            json.key("contactId"); json.string(contact.id.rawValue)
            json.key("subscriptions"); json.subscriptions(standing)
        }
    }

    // MARK: Helpers

    /// `locationId` in the query, required, and the token's.
    private static func requireLocationQuery(_ request: Request, _ principal: Principal) throws {
        var form = QueryForm(QueryParameters(request))
        let location = form.string("locationId", required: true)
        try form.validate()
        try principal.requireAccess(toLocationNamed: location)
    }

    private func requireUniqueName(
        _ name: String, channel: CustomSubtype.Channel, in location: LocationID, except id: String?, logger: Logger
    ) async throws {
        let taken = try await store.subtypes(in: location, logger: logger).contains { other in
            other.id != id && other.channel == channel && other.name.lowercased() == name.lowercased()
        }
        if taken { throw SwitchboardError.badRequest("A custom subtype named \(name) already exists for \(channel.rawValue)") }
    }

    /// The location's subtype; another location's is a 403, an unknown one a 404.
    private func accessibleSubtype(_ id: String, for principal: Principal, logger: Logger) async throws -> CustomSubtype {
        if !id.isEmpty, id.utf8.count <= 256 {
            if let subtype = try await store.subtype(id, in: principal.locationId, logger: logger) { return subtype }
            if let location = try await store.locationOfSubtype(id, logger: logger) { try principal.requireAccess(to: location) }
        }
        throw SwitchboardError.notFound("Custom subtype not found")
    }

    /// Each address's standing on every topic: one-on-one email, then the location's subtypes (archived ones only
    /// where a choice was made).
    private func standing(of contact: Contact, email: String?, logger: Logger) async throws -> [AddressStanding] {
        let choices = try await store.choices(of: contact.id, email: email, in: contact.locationId, logger: logger)
        let subtypes = try await store.subtypes(in: contact.locationId, logger: logger)
        var addresses: [String] = []
        for address in (email.map { [$0] } ?? [contact.email].compactMap { $0 } + choices.map(\.email)) {
            let lowered = address.lowercased()
            if !lowered.isEmpty, !addresses.contains(lowered) { addresses.append(lowered) }
        }
        return addresses.map { address in
            let mine = choices.filter { $0.email == address }
            func subscribed(_ topic: SubscriptionTopic) -> Bool {
                mine.first { $0.topic == topic }?.subscribed ?? true
            }
            let shown = subtypes.filter { subtype in
                !subtype.archived || mine.contains { $0.topic == .custom(subtype.id) }
            }
            return AddressStanding(
                email: address, oneOnOne: subscribed(.oneOnOne),
                subtypes: shown.map { ($0, subscribed(.custom($0.id))) })
        }
    }
}

/// One address's subscriptions, as the status and change routes answer them.
struct AddressStanding {
    var email: String
    var oneOnOne: Bool
    var subtypes: [(CustomSubtype, subscribed: Bool)]
}

extension JSONWriter {
    mutating func subtype(_ subtype: CustomSubtype) {
        beginObject()
        key("id"); string(subtype.id)
        key("locationId"); string(subtype.locationId.rawValue)
        key("name"); string(subtype.name)
        if let description = subtype.description { key("description"); string(description) }
        key("channel"); string(subtype.channel.rawValue)
        key("language"); string(subtype.language)
        key("archived"); bool(subtype.archived)
        if let form = subtype.resubscriptionLegalFormId { key("resubscription_legal_form_id"); string(form) }
        key("dateAdded"); timestamp(subtype.createdAt)
        key("dateUpdated"); timestamp(subtype.updatedAt)
        endObject()
    }

    mutating func subscriptions(_ standing: [AddressStanding]) {
        beginArray()
        for address in standing {
            beginObject()
            key("email"); string(address.email)
            key("subtypes")
            beginArray()
            beginObject()
            key("type"); string("default")
            key("name"); string(SubscriptionTopic.oneOnOneName)
            key("channel"); string("email")
            key("status"); string(address.oneOnOne ? "subscribed" : "unsubscribed")
            endObject()
            for (subtype, subscribed) in address.subtypes {
                beginObject()
                key("type"); string("custom")
                key("id"); string(subtype.id)
                key("name"); string(subtype.name)
                key("channel"); string(subtype.channel.rawValue)
                key("status"); string(subscribed ? "subscribed" : "unsubscribed")
                endObject()
            }
            endArray()
            endObject()
        }
        endArray()
    }
}
