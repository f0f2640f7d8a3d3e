/// An event to deliver to the subscriptions of its location: what the outbox stores, in the transaction of the write
/// that causes it. Its payload is the body without what each delivery adds (see `WebhookEnvelope`).
public struct WebhookEvent: Sendable, Hashable {
    /// HighLevel's event name (`InboundMessage`, `OutboundMessage`, …): what subscriptions filter on.
    public var type: String
    public var locationId: LocationID
    /// Events of one conversation reach each subscription in the order they were written; nil for an event that
    /// belongs to no conversation.
    public var conversationId: ConversationID?
    public var payload: [UInt8]
    /// When the event was created: the `timestamp` every delivery of it carries.
    public var createdAt: Timestamp
    /// The one subscription it goes to (a provider's, for a `ProviderOutboundMessage`); nil for every subscription of
    /// its location that receives its type.
    public var recipient: String?

    public init(
        type: String, locationId: LocationID, conversationId: ConversationID?, payload: [UInt8], createdAt: Timestamp,
        recipient: String? = nil
    ) {
        self.type = type
        self.locationId = locationId
        self.conversationId = conversationId
        self.payload = payload
        self.createdAt = createdAt
        self.recipient = recipient
    }

    /// The scope an app's installation needs to receive the event (CONTRACT.md §9.1); nil for an event only its
    /// recipient receives.
    public var requiredScope: Scope? { recipient == nil ? WebhookEventType.requiredScope(of: type) : nil }

    /// The `InboundMessage` or `OutboundMessage` of a stored message (with its email's fields, for an email).
    public static func message(_ message: Message, at time: Timestamp, email: EmailRecord? = nil) -> WebhookEvent {
        let event = MessageWebhookEvent(message: message, webhookId: "", timestamp: time, email: email)
        return WebhookEvent(
            type: event.kind.rawValue, locationId: message.locationId, conversationId: message.conversationId,
            payload: event.payload(), createdAt: time)
    }
}

/// The events a subscription can ask for by name; `webhook add` refuses any other.
public enum WebhookEventType {
    public static let messages = ["InboundMessage", "OutboundMessage"]
    /// Switchboard's own events, which HighLevel never sends: delivered only to a subscription that names them, so
    /// that one receiving "every event" receives exactly what HighLevel would send it.
    public static let namedOnly = [LiveChatTypingEvent.type]
    public static let all = messages + [UnreadWebhookEvent.type] + namedOnly
    /// What the live event stream (`switchboard listen`) carries: the message events, which the server announces
    /// as it commits them, and live chat's typing indicator, which only that stream carries (`LiveChatTypingEvent`).
    /// Unread updates are read inside the writing transaction, and delivered as webhooks only.
    public static let live = messages + [LiveChatTypingEvent.type]

    /// The scope that owns an event: an app subscription receives only the events its installation's scopes allow.
    public static func requiredScope(of type: String) -> Scope? {
        if messages.contains(type) { return .messagesReadonly }
        if type == UnreadWebhookEvent.type || type == LiveChatTypingEvent.type { return .conversationsReadonly }
        return nil
    }
}
