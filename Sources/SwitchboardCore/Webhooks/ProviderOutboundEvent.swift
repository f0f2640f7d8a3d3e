/// A custom conversation provider (CONTRACT.md §9.4): a location's SMS or email channel served by an integration
/// rather than by HighLevel. Messages sent through it are stored `pending` and delivered to its delivery URL as a
/// `ProviderOutboundMessage`; the provider reports the outcome with `PUT /conversations/messages/{id}/status`.
public struct ConversationProvider: Sendable, Hashable {
    public enum Channel: String, Sendable, Hashable, CaseIterable {
        case sms = "SMS"
        case email = "Email"
    }

    /// The `conversationProviderId` sends name it by; also the id of the subscription its messages are delivered
    /// through, so they are signed, retried, listed and replayed like every other delivery.
    public var id: String
    public var locationId: LocationID
    public var name: String
    public var channel: Channel
    public var deliveryURL: String
    /// Sends of its channel that name no provider use it.
    public var isDefault: Bool
    public var createdAt: Timestamp

    public init(
        id: String, locationId: LocationID, name: String, channel: Channel, deliveryURL: String, isDefault: Bool,
        createdAt: Timestamp
    ) {
        self.id = id
        self.locationId = locationId
        self.name = name
        self.channel = channel
        self.deliveryURL = deliveryURL
        self.isDefault = isDefault
        self.createdAt = createdAt
    }

    /// The provider a send of `channel` goes through: the one it names, else the location's default for the channel.
    /// Nil when it names none and no default exists, or names one that is not among `providers` (another channel's
    /// or location's, or none at all: HighLevel's own providers, which Switchboard stands in for).
    public static func chosen(
        named id: String?, for channel: Channel, among providers: [ConversationProvider]
    ) -> ConversationProvider? {
        if let id { return providers.first { $0.id == id && $0.channel == channel } }
        return providers.last { $0.isDefault && $0.channel == channel }
    }
}

/// The `ProviderOutboundMessage` a provider's delivery URL receives: only HighLevel's fields for it, no `type`
/// discriminator of the other events, and no `webhookId` or `timestamp` (see `WebhookEnvelope`).
public enum ProviderOutboundEvent {
    public static let type = "ProviderOutboundMessage"

    /// What an email send adds to the message it stores.
    public struct Email: Sendable, Hashable {
        public var messageId: String
        public var subject: String?
        public var from: String?
        public var to: [String]

        public init(messageId: String, subject: String?, from: String?, to: [String]) {
            self.messageId = messageId
            self.subject = subject
            self.from = from
            self.to = to
        }
    }

    public static func payload(_ message: Message, channel: ConversationProvider.Channel, phone: String?, email: Email?)
        -> [UInt8]
    {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.key("contactId"); json.string(message.contactId.rawValue)
        json.key("locationId"); json.string(message.locationId.rawValue)
        json.key("messageId"); json.string(message.id.rawValue)
        if let email { json.key("emailMessageId"); json.string(email.messageId) }
        json.key("type"); json.string(channel.rawValue)
        switch channel {
        case .sms:
            if let phone { json.key("phone"); json.string(phone) }
            if let body = message.body { json.key("message"); json.string(body) }
        case .email:
            if let email {
                json.key("emailTo"); json.stringArray(email.to)
                if let from = email.from { json.key("emailFrom"); json.string(from) }
                if let subject = email.subject { json.key("subject"); json.string(subject) }
            }
            if let body = message.body { json.key("html"); json.string(body) }
        }
        json.key("attachments"); json.stringArray(message.attachments ?? [])
        if let userId = message.userId { json.key("userId"); json.string(userId) }
        json.endObject()
        return json.bytes
    }
}

extension WebhookEvent {
    /// The `ProviderOutboundMessage` of a message sent through `provider`: delivered to the provider alone.
    public static func providerOutbound(
        _ message: Message, through provider: ConversationProvider, phone: String?, email: ProviderOutboundEvent.Email?,
        at time: Timestamp
    ) -> WebhookEvent {
        WebhookEvent(
            type: ProviderOutboundEvent.type, locationId: message.locationId, conversationId: message.conversationId,
            payload: ProviderOutboundEvent.payload(message, channel: provider.channel, phone: phone, email: email),
            createdAt: time, recipient: provider.id)
    }
}
