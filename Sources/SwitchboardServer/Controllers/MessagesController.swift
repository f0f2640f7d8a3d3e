import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardStorage

/// The read side of messages: a conversation's pages and single messages.
struct MessagesController<Store: ConversationStore>: Sendable {
    let store: Store
    /// Answers kept until a write touches their conversation; nil where writes elsewhere cannot be seen
    /// (several instances on one PostgreSQL database).
    let cache: ResponseCache?

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/conversations/:conversationId/messages", use: page)
        router.get("/conversations/messages/:messageId", use: message)
    }

    /// `GET /conversations/{conversationId}/messages` (CONTRACT.md §2).
    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesReadonly)
        let conversationId = ConversationID(rawValue: context.parameters.get("conversationId") ?? "")
        let query = try MessagePageQuery(
            QueryParameters(request), conversationId: conversationId, locationId: principal.locationId)
        let key = ResponseCache.Key(page: query)
        if let cache, let cached = cache.lookup(key) {
            return JSONResponse.make(cachedPrefix: cached.prefix, traceId: context.traceId)
        }
        let ticket = cache?.ticket(for: conversationId)
        let page: MessagePage
        do {
            page = try await store.messagePage(query, logger: context.logger)
        } catch SwitchboardError.invalidLastMessageId {
            // The conversation's own errors (unknown, other location) come before the cursor's.
            try await requireConversation(conversationId, principal: principal, logger: context.logger)
            throw SwitchboardError.invalidLastMessageId
        }
        if page.messages.isEmpty {
            // A page with messages proves the conversation is in the caller's location; an empty one proves nothing.
            try await requireConversation(conversationId, principal: principal, logger: context.logger)
        }
        let prefix = page.responsePrefix()
        if let cache, let ticket {
            cache.store(.init(prefix: prefix, conversation: conversationId), for: key, ticket: ticket)
        }
        return JSONResponse.make(bytes: TraceIdSlot.complete(prefix, traceId: context.traceId))
    }

    func requireConversation(_ id: ConversationID, principal: Principal, logger: Logger) async throws {
        _ = try await store.accessibleConversation(id, for: principal, logger: logger)
    }

    /// `GET /conversations/messages/{id}`: `{"message":{…},"traceId":…}` as served on the wire (CONTRACT.md §5.2).
    @Sendable func message(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesReadonly)
        let id = MessageID(rawValue: context.parameters.get("messageId") ?? "")
        let key = ResponseCache.Key(
            kind: .message, location: principal.locationId, conversation: ConversationID(rawValue: ""), item: id.rawValue,
            limit: 0, filter: [])
        if let cache, let cached = cache.lookup(key) {
            return JSONResponse.make(cachedPrefix: cached.prefix, traceId: context.traceId)
        }
        // The message's conversation is unknown until it is read, so any write in between voids this answer.
        let ticket = cache?.ticket(for: nil)
        let message = try await store.accessibleMessage(id, for: principal, logger: context.logger)
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("message")
        message.write(to: &json)
        TraceIdSlot.open(&json)
        if let cache, let ticket {
            cache.store(.init(prefix: json.bytes, conversation: message.conversationId), for: key, ticket: ticket)
        }
        return JSONResponse.make(bytes: TraceIdSlot.complete(json.bytes, traceId: context.traceId))
    }
}
