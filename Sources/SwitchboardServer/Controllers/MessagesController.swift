import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardStorage

/// The read side of messages: a conversation's pages and single messages.
struct MessagesController<Store: ConversationStore>: Sendable {
    let store: Store
    let gatekeeper: Gatekeeper<Store>

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/conversations/:conversationId/messages", use: page)
        router.get("/conversations/messages/:messageId", use: message)
    }

    /// `GET /conversations/{conversationId}/messages` (CONTRACT.md §2).
    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await gatekeeper.authorize(request, scope: .messagesReadonly, logger: context.logger)
        let conversationId = ConversationID(rawValue: context.parameters.get("conversationId") ?? "")
        let query = try Self.pageQuery(QueryParameters(request), conversationId: conversationId, principal: principal)
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
        return JSONResponse.make(bytes: page.responseBytes(traceId: context.traceId))
    }

    static func pageQuery(
        _ parameters: QueryParameters, conversationId: ConversationID, principal: Principal
    ) throws(ValidationFailure) -> MessagePageQuery {
        var problems: [String] = []
        var limit = MessagePageQuery.defaultLimit
        var cursor: MessageID?
        var filter: MessageTypeFilter?
        do { limit = try PageLimit.parse(try parameters.single("limit")) } catch { problems += error.messages }
        do {
            // An empty cursor is no cursor: some clients send `lastMessageId=` on the first call.
            if let raw = try parameters.single("lastMessageId"), !raw.isEmpty { cursor = MessageID(rawValue: String(raw)) }
        } catch { problems += error.messages }
        do { filter = try MessageTypeFilter.parse(parameters.all("type")) } catch { problems += error.messages }
        guard problems.isEmpty else { throw ValidationFailure(messages: problems) }
        return MessagePageQuery(
            conversationId: conversationId, locationId: principal.locationId, lastMessageId: cursor, limit: limit,
            filter: filter)
    }

    func requireConversation(_ id: ConversationID, principal: Principal, logger: Logger) async throws {
        _ = try await store.accessibleConversation(id, for: principal, logger: logger)
    }

    /// `GET /conversations/messages/{id}`: `{"message":{…},"traceId":…}` as served on the wire (CONTRACT.md §5.2).
    @Sendable func message(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await gatekeeper.authorize(request, scope: .messagesReadonly, logger: context.logger)
        let id = MessageID(rawValue: context.parameters.get("messageId") ?? "")
        guard id.isPlausible, let message = try await store.message(id, in: principal.locationId, logger: context.logger)
        else { throw SwitchboardError.notFound("Message not found") }
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("message")
            message.write(to: &json)
        }
    }
}
