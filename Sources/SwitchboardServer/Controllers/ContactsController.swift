import Hummingbird
import SwitchboardCore
import SwitchboardStorage

/// The slice of HighLevel's Contacts API that conversations need: name, email, phone, company.
struct ContactsController<Store: ConversationStore>: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/contacts/", use: create)
        router.get("/contacts/", use: list)
        router.post("/contacts/upsert", use: upsert)
        router.post("/contacts/search", use: search)
        router.get("/contacts/:contactId", use: get)
        router.put("/contacts/:contactId", use: update)
        router.delete("/contacts/:contactId", use: delete)
        router.post("/contacts/:contactId/tags", use: addTags)
        router.delete("/contacts/:contactId/tags", use: removeTags)
    }

    struct Fields {
        var firstName: String?
        var lastName: String?
        var name: String?
        var email: String?
        var phone: String?
        var companyName: String?
        var location: String?
        var tags: [String]?
        var dnd: Bool?
        var dndSettings: [DndChannel: DndSetting]?

        /// `requireLocation`: creates name their location; an update's contact already has one.
        init(_ body: inout RequestBody, requireLocation: Bool = true) {
            location = body.string("locationId", required: requireLocation)
            firstName = body.string("firstName", maxLength: 256)
            lastName = body.string("lastName", maxLength: 256)
            name = body.string("name", maxLength: 512)
            email = body.email("email")
            phone = body.string("phone", maxLength: 64)
            companyName = body.string("companyName", maxLength: 512)
            tags = Self.tags(&body)
            dnd = body.bool("dnd")
            dndSettings = Self.dndSettings(&body)
        }

        /// Fields given in the request replace the stored ones; absent fields are kept.
        func applied(to contact: Contact, at time: Timestamp) -> Contact {
            var updated = contact
            updated.firstName = firstName ?? contact.firstName
            updated.lastName = lastName ?? contact.lastName
            updated.name = name ?? contact.name
            updated.email = email ?? contact.email
            updated.phone = phone ?? contact.phone
            updated.companyName = companyName ?? contact.companyName
            updated.tags = tags ?? contact.tags
            updated.dnd = dnd ?? contact.dnd
            updated.dndSettings = dndSettings ?? contact.dndSettings
            updated.dateUpdated = time
            return updated
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsWrite)
        var body = try await RequestBody.read(request, context: context)
        let fields = Fields(&body)
        try body.validate()
        try principal.requireAccess(toLocationNamed: fields.location)
        if try await store.findContact(
            email: fields.email, phone: fields.phone, in: principal.locationId, logger: context.logger) != nil
        {
            throw SwitchboardError.badRequest("This location does not allow duplicated contacts.")
        }
        let time = now()
        let contact = fields.applied(
            to: Contact(id: .generate(), locationId: principal.locationId, dateAdded: time), at: time)
        try await store.createContact(contact, logger: context.logger)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("contact"); contact.write(to: &json)
        }
    }

    /// Matches an existing contact by email, then phone; updates it, or creates one. `new` says which.
    @Sendable func upsert(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsWrite)
        var body = try await RequestBody.read(request, context: context)
        let fields = Fields(&body)
        try body.validate()
        try principal.requireAccess(toLocationNamed: fields.location)
        let time = now()
        let contact: Contact
        let isNew: Bool
        if let existing = try await store.findContact(
            email: fields.email, phone: fields.phone, in: principal.locationId, logger: context.logger)
        {
            contact = fields.applied(to: existing, at: time)
            try await store.updateContact(contact, logger: context.logger)
            isNew = false
        } else {
            contact = fields.applied(to: Contact(id: .generate(), locationId: principal.locationId, dateAdded: time), at: time)
            try await store.createContact(contact, logger: context.logger)
            isNew = true
        }
        return JSONResponse.make(status: isNew ? .created : .ok, traceId: context.traceId) { json in
            json.key("new"); json.bool(isNew)
            json.key("contact"); contact.write(to: &json)
        }
    }

    /// `update-contact`: the fields given replace the stored ones. An email or phone another contact of the location
    /// has is refused, as a create is. HighLevel's answer spells its flag `succeded`.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsWrite)
        let id = ContactID(rawValue: context.parameters.get("contactId") ?? "")
        var body = try await RequestBody.read(request, context: context)
        let fields = Fields(&body, requireLocation: false)
        try body.validate()
        try principal.requireAccess(toLocationNamed: fields.location)
        let contact = try await store.accessibleContact(id, for: principal, logger: context.logger)
        for (email, phone) in [(fields.email, nil), (nil, fields.phone)] where (email ?? phone)?.isEmpty == false {
            let holder = try await store.findContact(email: email, phone: phone, in: principal.locationId, logger: context.logger)
            if let holder, holder.id != contact.id {
                throw SwitchboardError.badRequest("This location does not allow duplicated contacts.")
            }
        }
        let updated = fields.applied(to: contact, at: now())
        try await store.updateContact(updated, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("succeded"); json.bool(true)
            json.key("contact"); updated.write(to: &json)
        }
    }

    /// `get-contacts`: the location's contacts oldest first, 20 a page (at most 100), those matching `query` (a part of
    /// the name, email, phone or company, any case). The next page starts after the last contact's `startAfterId`
    /// (and `startAfter`, its `dateAdded` in epoch milliseconds, which the id alone implies). `count` is how many match.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsReadonly)
        var form = QueryForm(QueryParameters(request))
        let location = form.string("locationId", required: true)
        let text = form.string("query")
        let limit = form.limit("limit", default: 20, maximum: 100)
        let startAfterId = form.string("startAfterId")
        let startAfter = form.milliseconds("startAfter")
        try form.validate()
        try principal.requireAccess(toLocationNamed: location)
        var after: ContactCursor?
        if let startAfterId {
            let id = ContactID(rawValue: startAfterId)
            guard id.isPlausible, let last = try await store.contact(id, in: principal.locationId, logger: context.logger) else {
                throw SwitchboardError.badRequest("Invalid startAfterId")
            }
            after = ContactCursor(date: startAfter ?? last.dateAdded, id: id)
        } else if let startAfter {
            // After that millisecond: above every id (ids are ASCII).
            after = ContactCursor(date: startAfter, id: ContactID(rawValue: "\u{7F}"))
        }
        let (contacts, total) = try await store.listContacts(
            ContactQuery(location: principal.locationId, text: text, after: after, limit: limit), logger: context.logger)
        return Self.page(contacts, total: total, as: "count", traceId: context.traceId)
    }

    /// `search-contacts-advanced`: the location's contacts matching every filter (`{field, operator, value}`:
    /// `eq`, `not_eq`, `contains`, `not_contains`, `exists`, `not_exists` on first or last name, name, email, phone,
    /// company or tags, any case) and `query`, oldest first, page by page (`page` from 1, `pageLimit` 1–500, default 20).
    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsReadonly)
        var body = try await RequestBody.read(request, context: context)
        let location = body.string("locationId", required: true, maxLength: 64)
        let page = body.integer("page", minimum: 1, maximum: 1_000_000) ?? 1
        let pageLimit = body.integer("pageLimit", minimum: 1, maximum: 500) ?? 20
        let text = body.string("query", maxLength: 256)
        var filters: [ContactFilter] = []
        for (index, var item) in (body.objectArray("filters", maxCount: 50) ?? []).enumerated() {
            if let filter = Self.filter(&item) { filters.append(filter) }
            body.absorb(item, prefix: "filters.\(index)")
        }
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        let (contacts, total) = try await store.listContacts(
            ContactQuery(
                location: principal.locationId, text: text, filters: filters, offset: (page - 1) * pageLimit,
                limit: pageLimit),
            logger: context.logger)
        return Self.page(contacts, total: total, as: "total", traceId: context.traceId)
    }

    /// `{"contacts":[…],"<totalKey>":n}`: the list names its total `count`, the search `total`, as HighLevel's do.
    private static func page(_ contacts: [Contact], total: Int, as totalKey: StaticString, traceId: String) -> Response {
        JSONResponse.make(traceId: traceId) { json in
            json.key("contacts")
            json.beginArray()
            for contact in contacts { contact.write(to: &json) }
            json.endArray()
            json.key(totalKey); json.integer(total)
        }
    }

    /// One search filter; its violations are left in `item`.
    private static func filter(_ item: inout RequestBody) -> ContactFilter? {
        let fieldName = item.string("field", required: true, maxLength: 64)
        let operatorName = item.string("operator", required: true, maxLength: 64)
        let field = fieldName.flatMap(ContactFilter.Field.init(searchName:))
        if fieldName != nil && field == nil {
            item.rejectField(
                "field must be one of the following values: "
                    + ContactFilter.Field.listedNames.joined(separator: ", "))
        }
        let op = operatorName.flatMap(ContactFilter.Operator.init(rawValue:))
        if operatorName != nil && op == nil {
            item.rejectField("operator must be one of the following values: "
                + ContactFilter.Operator.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let value = item.string("value", required: op?.takesValue ?? false, maxLength: 256)
        guard let field, let op, !op.takesValue || value != nil else { return nil }
        let compared = field == .tags ? Fields.normalizedTag(value ?? "") : value ?? ""
        return ContactFilter(field: field, operator: op, value: compared)
    }

    /// `delete-contact`: the contact goes with its conversations and their messages.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsWrite)
        let id = ContactID(rawValue: context.parameters.get("contactId") ?? "")
        let contact = try await store.accessibleContact(id, for: principal, logger: context.logger)
        guard try await store.deleteContact(contact.id, in: principal.locationId, logger: context.logger) != nil else {
            throw SwitchboardError.badRequest("Contact with id \(id.rawValue.prefix(64)) not found")
        }
        return JSONResponse.make(traceId: context.traceId) { json in json.key("succeded"); json.bool(true) }
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsReadonly)
        let id = ContactID(rawValue: context.parameters.get("contactId") ?? "")
        let contact = try await store.accessibleContact(id, for: principal, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in json.key("contact"); contact.write(to: &json) }
    }
}
