import Hummingbird
import SwitchboardCore
import SwitchboardStorage

/// Conversations: create, read, change, delete, search (CONTRACT.md §5.1).
struct ConversationsController<Store: ConversationStore>: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        // HighLevel documents the trailing slash; the router treats both spellings alike (§11 Q19).
        router.post("/conversations/", use: create)
        router.get("/conversations/search", use: search)
        router.get("/conversations/:conversationId", use: get)
        router.put("/conversations/:conversationId", use: update)
        router.delete("/conversations/:conversationId", use: delete)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsWrite)
        var body = try await RequestBody.read(request, context: context)
        let location = body.string("locationId", required: true)
        let contactId = body.string("contactId", required: true).map(ContactID.init(rawValue:))
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        guard let contactId else { throw SwitchboardError.internalError }
        _ = try await store.accessibleContact(contactId, for: principal, logger: context.logger)
        let time = now()
        let conversation = Conversation(
            id: .generate(), locationId: principal.locationId, contactId: contactId, dateAdded: time)
        do {
            try await store.createConversation(conversation, logger: context.logger)
        } catch StoreError.duplicate {
            // CONTRACT.md §5.1: one conversation per contact and location.
            throw SwitchboardError.badRequest("Conversation with the contact id:\(contactId) already exists!")
        }
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("success"); json.bool(true)
            json.key("conversation"); json.createdConversation(conversation)
        }
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsReadonly)
        let id = ConversationID(rawValue: context.parameters.get("conversationId") ?? "")
        let conversation = try await store.accessibleConversation(id, for: principal, logger: context.logger)
        // Bare, plus traceId (CONTRACT.md §11 Q13).
        return JSONResponse.make(traceId: context.traceId) { json in json.conversationDetails(conversation) }
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsWrite)
        let id = ConversationID(rawValue: context.parameters.get("conversationId") ?? "")
        var body = try await RequestBody.read(request, context: context)
        let location = body.string("locationId", required: true)
        let changes = ConversationChanges(
            unreadCount: body.integer("unreadCount", minimum: 0), starred: body.bool("starred"),
            feedback: body.rawJSON("feedback"))
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        _ = try await store.accessibleConversation(id, for: principal, logger: context.logger)
        guard
            let updated = try await store.updateConversation(
                id, in: principal.locationId, changes: changes, at: now(), logger: context.logger)
        else { throw SwitchboardError.conversationNotFound(id) }
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("success"); json.bool(true)
            json.key("conversation"); json.updatedConversation(updated)
        }
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsWrite)
        let id = ConversationID(rawValue: context.parameters.get("conversationId") ?? "")
        _ = try await store.accessibleConversation(id, for: principal, logger: context.logger)
        guard try await store.deleteConversation(id, in: principal.locationId, logger: context.logger) else {
            throw SwitchboardError.conversationNotFound(id)
        }
        return JSONResponse.make(traceId: context.traceId) { json in json.key("success"); json.bool(true) }
    }

    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .conversationsReadonly)
        let query = try Self.searchQuery(QueryParameters(request))
        try principal.requireAccess(to: query.locationId)
        let result = try await store.searchConversations(query, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("conversations")
            json.beginArray()
            for listing in result.conversations { json.listedConversation(listing) }
            json.endArray()
            json.key("total"); json.integer(result.total)
        }
    }

    static func searchQuery(_ parameters: QueryParameters) throws(ValidationFailure) -> ConversationSearchQuery {
        var form = QueryForm(parameters)
        let location = form.string("locationId", required: true)
        let contact = form.string("contactId")
        let text = form.string("query")
        let status = form.oneOf("status", ConversationSearchQuery.Status.allCases)
        let type = form.oneOf("lastMessageType", MessageType.allCases)
        let direction = form.oneOf("lastMessageDirection", MessageDirection.allCases)
        let sort = form.oneOf("sort", ConversationSearchQuery.SortOrder.allCases)
        _ = form.oneOf("sortBy", ["last_message_date", "last_manual_message_date"])
        let after = form.milliseconds("startAfterDate")
        let limit = form.limit("limit", default: 20, maximum: 100)
        try form.validate()
        return ConversationSearchQuery(
            locationId: LocationID(rawValue: location ?? ""), contactId: contact.map(ContactID.init(rawValue:)),
            text: text, status: status ?? .all, lastMessageType: type, lastMessageDirection: direction,
            sort: sort ?? .desc, startAfterDate: after, limit: limit)
    }
}
