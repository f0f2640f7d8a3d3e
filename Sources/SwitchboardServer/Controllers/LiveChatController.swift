import Hummingbird
import SwitchboardCore
import SwitchboardStorage

/// Live chat's typing indicator (`live-chat-agent-typing`): an agent or a bot tells the visitor's chat widget that a
/// reply is being written. Switchboard has no chat widget: the call is checked as HighLevel checks it and answered,
/// and nothing is stored.
struct LiveChatController<Store: ConversationStore>: Sendable {
    let store: Store

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/conversations/providers/live-chat/typing", use: typing)
    }

    @Sendable func typing(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .liveChatWrite)
        var body = try await RequestBody.read(request, context: context)
        let location = body.string("locationId", required: true)
        _ = body.flag("isTyping", required: true)
        _ = body.string("visitorId", required: true)
        let conversationId = body.string("conversationId", required: true).map(ConversationID.init(rawValue:))
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        guard let conversationId else { throw SwitchboardError.internalError }
        _ = try await store.accessibleConversation(conversationId, for: principal, logger: context.logger)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("success"); json.bool(true)
        }
    }
}
