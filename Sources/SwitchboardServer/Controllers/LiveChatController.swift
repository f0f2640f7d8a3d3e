import Hummingbird
import SwitchboardCore
import SwitchboardStorage

/// Live chat's typing indicator (`live-chat-agent-typing`): an agent or a bot tells the visitor's chat widget that a
/// reply is being written. Switchboard has no chat widget: the call is checked as HighLevel checks it and answered
/// with a `LiveChatTyping` event, on the live event stream (which the web inbox shows) and to the webhook
/// subscriptions that name it (HighLevel sends no such webhook).
struct LiveChatController<Store: ConversationStore>: Sendable {
    let store: Store
    let events: EventAnnouncer
    let now: @Sendable () -> Timestamp

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/conversations/providers/live-chat/typing", use: typing)
    }

    @Sendable func typing(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .liveChatWrite)
        var body = try await RequestBody.read(request, context: context)
        let location = body.string("locationId", required: true)
        let isTyping = body.flag("isTyping", required: true)
        let visitorId = body.string("visitorId", required: true, maxLength: 256)
        let conversationId = body.string("conversationId", required: true).map(ConversationID.init(rawValue:))
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        guard let conversationId, let isTyping, let visitorId else { throw SwitchboardError.internalError }
        let conversation = try await store.accessibleConversation(conversationId, for: principal, logger: context.logger)
        let event = WebhookEvent.liveChatTyping(
            in: conversation.id, of: conversation.locationId, visitorId: visitorId, isTyping: isTyping, at: now())
        try await store.recordEvents([event], logger: context.logger)
        events.announce([event])
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("success"); json.bool(true)
        }
    }
}
