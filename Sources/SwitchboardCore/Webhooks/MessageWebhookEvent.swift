/// An `InboundMessage` or `OutboundMessage` webhook: a stored message as HighLevel delivers it (CONTRACT.md §9.2).
/// Rendering it is pure; the bytes it renders are the bytes that are signed and sent.
public struct MessageWebhookEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case inbound = "InboundMessage"
        case outbound = "OutboundMessage"
    }

    public var message: Message
    /// Unique per event and subscription, the same on every retry and replay (receivers dedupe on it).
    public var webhookId: String
    /// When the event was created.
    public var timestamp: Timestamp
    /// The OAuth app the delivery is for (the client id's part before its first `-`), when it is for an app.
    public var appId: String?
    /// An email's own record, whose fields HighLevel's email variants carry.
    public var email: EmailRecord?

    public init(message: Message, webhookId: String, timestamp: Timestamp, appId: String? = nil, email: EmailRecord? = nil) {
        self.message = message
        self.webhookId = webhookId
        self.timestamp = timestamp
        self.appId = appId
        self.email = email
    }

    /// The type follows the stored message's direction; a message without one is inbound.
    public var kind: Kind { message.direction == .outbound ? .outbound : .inbound }

    /// A call's `status` as HighLevel's webhooks report it: an inbound call's is its call status (`completed`, or
    /// `voicemail` when it went to voicemail); an outbound call that reached voicemail is `completed`.
    var status: String? {
        guard message.messageType.isCall, let callStatus = message.call?.status else { return message.status }
        if kind == .inbound { return callStatus }
        return callStatus == "voicemail" ? "completed" : message.status ?? callStatus
    }

    /// The JSON body, keys in HighLevel's order, fields absent when the message has no value for them.
    public func jsonBytes() -> [UInt8] {
        WebhookEnvelope.body(type: kind.rawValue, payload: payload(), webhookId: webhookId, timestamp: timestamp)
    }

    /// The body without what each delivery adds (`webhookId`, `timestamp`): what the outbox stores once per event.
    public func payload() -> [UInt8] {
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        json.key("type"); json.string(kind.rawValue)
        json.key("locationId"); json.string(message.locationId.rawValue)
        if let appId { json.key("appId"); json.string(appId) }
        json.key("attachments"); json.stringArray(message.attachments ?? [])
        if let body = message.body { json.key("body"); json.string(body) }
        json.key("contactId"); json.string(message.contactId.rawValue)
        if let contentType = message.contentType { json.key("contentType"); json.string(contentType) }
        json.key("conversationId"); json.string(message.conversationId.rawValue)
        json.key("dateAdded"); json.string(message.dateAdded.iso8601)
        json.key("direction"); json.string((message.direction ?? .inbound).rawValue)
        json.key("messageType"); json.string(message.messageType.webhookLabel)
        json.key("messageTypeId"); json.integer(message.messageType.code)
        json.key("messageTypeString"); json.string(message.messageType.rawValue)
        if let status { json.key("status"); json.string(status) }
        json.key("messageId"); json.string(message.id.rawValue)
        if let userId = message.userId { json.key("userId"); json.string(userId) }
        if kind == .outbound, let source = message.source { json.key("source"); json.string(source) }
        if let provider = message.conversationProviderId { json.key("conversationProviderId"); json.string(provider) }
        if message.messageType.isCall {
            if let duration = message.call?.duration { json.key("callDuration"); json.integer(duration) }
            if let callStatus = message.call?.status { json.key("callStatus"); json.string(callStatus) }
        }
        if let email {
            json.key("emailMessageId"); json.string(email.id)
            json.key("threadId"); json.string(email.threadId)
            json.key("provider"); json.string(email.headers.provider)
            json.key("from"); json.string(email.headers.from)
            json.key("to"); json.stringArray(email.headers.to)
            json.key("cc"); json.stringArray(email.headers.cc)
            json.key("bcc"); json.stringArray(email.headers.bcc)
            if let subject = email.headers.subject { json.key("subject"); json.string(subject) }
        } else if let emailMessageId = message.emailMessageIds?.first {
            // An imported email has no record: its id is all there is.
            json.key("emailMessageId"); json.string(emailMessageId)
        }
        json.endObject()
        return json.bytes
    }
}
