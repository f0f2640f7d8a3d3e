/// `LiveChatTyping`: an agent or a bot said it is (or stopped) writing to a live-chat visitor
/// (`POST /conversations/providers/live-chat/typing`). HighLevel shows this in its chat widget and sends no webhook
/// for it, so Switchboard delivers it only to subscriptions that name it (`WebhookEventType.namedOnly`); the live
/// event stream (`switchboard listen`, `TestServer.events`, the web inbox) carries it to every listener.
public enum LiveChatTypingEvent {
    public static let type = "LiveChatTyping"

    public static func payload(
        locationId: LocationID, conversationId: ConversationID, visitorId: String, isTyping: Bool
    ) -> [UInt8] {
        var json = JSONWriter(capacity: 160)
        json.beginObject()
        json.key("type"); json.string(type)
        json.key("locationId"); json.string(locationId.rawValue)
        json.key("conversationId"); json.string(conversationId.rawValue)
        json.key("visitorId"); json.string(visitorId)
        json.key("isTyping"); json.bool(isTyping)
        json.endObject()
        return json.bytes
    }
}

extension WebhookEvent {
    /// The live-only `LiveChatTyping` event of a conversation.
    public static func liveChatTyping(
        in conversation: ConversationID, of location: LocationID, visitorId: String, isTyping: Bool, at time: Timestamp
    ) -> WebhookEvent {
        WebhookEvent(
            type: LiveChatTypingEvent.type, locationId: location, conversationId: conversation,
            payload: LiveChatTypingEvent.payload(
                locationId: location, conversationId: conversation, visitorId: visitorId, isTyping: isTyping),
            createdAt: time)
    }
}
