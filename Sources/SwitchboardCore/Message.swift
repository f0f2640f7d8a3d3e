public enum MessageDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case inbound, outbound
}

/// Call details. HighLevel serves them as `meta.call.{duration,status}`; its spec documents
/// `meta.callDuration`/`meta.callStatus`. Switchboard serves both (CONTRACT.md §3.2).
public struct CallDetails: Sendable, Hashable {
    public var duration: Int?  // seconds
    public var status: String?
    public init(duration: Int? = nil, status: String? = nil) {
        self.duration = duration
        self.status = status
    }
}

/// One message of a conversation, with HighLevel's field names (CONTRACT.md §3.1).
public struct Message: Sendable, Hashable {
    public var id: MessageID
    public var conversationId: ConversationID
    public var locationId: LocationID
    public var contactId: ContactID
    public var messageType: MessageType
    public var direction: MessageDirection?
    public var status: String?
    public var body: String?
    public var contentType: String?
    public var dateAdded: Timestamp
    public var dateUpdated: Timestamp
    public var source: String?
    public var userId: String?
    public var altId: String?
    public var attachments: [String]?
    public var call: CallDetails?
    public var emailMessageIds: [String]?
    public var conversationProviderId: String?
    public var chatWidgetId: String?

    public init(
        id: MessageID, conversationId: ConversationID, locationId: LocationID, contactId: ContactID,
        messageType: MessageType, direction: MessageDirection?, status: String? = nil, body: String? = nil,
        contentType: String? = "text/plain", dateAdded: Timestamp, dateUpdated: Timestamp? = nil,
        source: String? = nil, userId: String? = nil, altId: String? = nil, attachments: [String]? = nil,
        call: CallDetails? = nil, emailMessageIds: [String]? = nil, conversationProviderId: String? = nil,
        chatWidgetId: String? = nil
    ) {
        self.id = id
        self.conversationId = conversationId
        self.locationId = locationId
        self.contactId = contactId
        self.messageType = messageType
        self.direction = direction
        self.status = status
        self.body = body
        self.contentType = contentType
        self.dateAdded = dateAdded
        self.dateUpdated = dateUpdated ?? dateAdded
        self.source = source
        self.userId = userId
        self.altId = altId
        self.attachments = attachments
        // Call details with nothing in them are no call details: they would not survive the JSON round trip.
        self.call = call.flatMap { $0.duration == nil && $0.status == nil ? nil : $0 }
        self.emailMessageIds = emailMessageIds
        self.conversationProviderId = conversationProviderId
        self.chatWidgetId = chatWidgetId
    }

    /// The numeric `type` served beside `messageType`.
    public var typeCode: Int { messageType.code }
}

extension Message: Codable {
    enum CodingKeys: String, CodingKey {
        case id, direction, status, type, locationId, body, contactId, contentType, conversationId, dateAdded
        case dateUpdated, source, userId, altId, attachments, meta, messageType, conversationProviderId, chatWidgetId
    }

    enum MetaKeys: String, CodingKey {
        case call, email, callDuration, callStatus
    }

    enum CallKeys: String, CodingKey { case duration, status }
    enum EmailKeys: String, CodingKey { case messageIds, email }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(MessageID.self, forKey: .id)
        conversationId = try container.decode(ConversationID.self, forKey: .conversationId)
        locationId = try container.decode(LocationID.self, forKey: .locationId)
        contactId = try container.decode(ContactID.self, forKey: .contactId)
        // `messageType` is authoritative; the numeric `type` is only a fallback (CONTRACT.md §12 item 4).
        if let name = try container.decodeIfPresent(String.self, forKey: .messageType) {
            guard let type = MessageType(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .messageType, in: container, debugDescription: "unknown messageType \(name)")
            }
            messageType = type
        } else {
            let code = try container.decode(Int.self, forKey: .type)
            guard let type = MessageType(code: code) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container, debugDescription: "unknown message type code \(code)")
            }
            messageType = type
        }
        direction = try container.decodeIfPresent(MessageDirection.self, forKey: .direction)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        contentType = try container.decodeIfPresent(String.self, forKey: .contentType)
        dateAdded = try container.decode(Timestamp.self, forKey: .dateAdded)
        dateUpdated = try container.decodeIfPresent(Timestamp.self, forKey: .dateUpdated) ?? dateAdded
        source = try container.decodeIfPresent(String.self, forKey: .source)
        userId = try container.decodeIfPresent(String.self, forKey: .userId)
        altId = try container.decodeIfPresent(String.self, forKey: .altId)
        attachments = try container.decodeIfPresent([String].self, forKey: .attachments)
        conversationProviderId = try container.decodeIfPresent(String.self, forKey: .conversationProviderId)
        chatWidgetId = try container.decodeIfPresent(String.self, forKey: .chatWidgetId)
        call = nil
        emailMessageIds = nil
        guard container.contains(.meta), try !container.decodeNil(forKey: .meta) else { return }
        let meta = try container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
        var call = CallDetails()
        if meta.contains(.call), try !meta.decodeNil(forKey: .call) {
            let nested = try meta.nestedContainer(keyedBy: CallKeys.self, forKey: .call)
            call.duration = try Self.decodeLenientInt(nested, .duration)
            call.status = try nested.decodeIfPresent(String.self, forKey: .status)
        }
        // The spec's flat form, used only where the real nested form is absent.
        if call.duration == nil { call.duration = try Self.decodeLenientInt(meta, .callDuration) }
        if call.status == nil { call.status = try meta.decodeIfPresent(String.self, forKey: .callStatus) }
        if call.duration != nil || call.status != nil { self.call = call }
        if meta.contains(.email), try !meta.decodeNil(forKey: .email) {
            let email = try meta.nestedContainer(keyedBy: EmailKeys.self, forKey: .email)
            if let ids = try email.decodeIfPresent([String].self, forKey: .messageIds) {
                emailMessageIds = ids
            } else if email.contains(.email) {  // the spec example's doubled nesting
                let inner = try email.nestedContainer(keyedBy: EmailKeys.self, forKey: .email)
                emailMessageIds = try inner.decodeIfPresent([String].self, forKey: .messageIds)
            }
        }
    }

    /// `callDuration` is typed string in the spec and number on the wire; accept both.
    private static func decodeLenientInt<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Int? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        if let number = try? container.decode(Int.self, forKey: key) { return number }
        if let double = try? container.decode(Double.self, forKey: key), double.isFinite,
            double >= Double(Int32.min), double <= Double(Int32.max)
        {
            return Int(double)
        }
        let text = try container.decode(String.self, forKey: key)
        guard let number = Int(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a number: \(text)")
        }
        return number
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(direction, forKey: .direction)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encode(typeCode, forKey: .type)
        try container.encode(locationId, forKey: .locationId)
        try container.encodeIfPresent(body, forKey: .body)
        try container.encode(contactId, forKey: .contactId)
        try container.encodeIfPresent(contentType, forKey: .contentType)
        try container.encode(conversationId, forKey: .conversationId)
        try container.encode(dateAdded, forKey: .dateAdded)
        try container.encode(dateUpdated, forKey: .dateUpdated)
        try container.encodeIfPresent(source, forKey: .source)
        try container.encodeIfPresent(userId, forKey: .userId)
        try container.encodeIfPresent(altId, forKey: .altId)
        try container.encodeIfPresent(attachments, forKey: .attachments)
        if call != nil || emailMessageIds != nil {
            var meta = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
            if let call {
                var nested = meta.nestedContainer(keyedBy: CallKeys.self, forKey: .call)
                try nested.encodeIfPresent(call.duration, forKey: .duration)
                try nested.encodeIfPresent(call.status, forKey: .status)
                try meta.encodeIfPresent(call.duration, forKey: .callDuration)
                try meta.encodeIfPresent(call.status, forKey: .callStatus)
            }
            if let emailMessageIds {
                var email = meta.nestedContainer(keyedBy: EmailKeys.self, forKey: .email)
                try email.encode(emailMessageIds, forKey: .messageIds)
            }
        }
        try container.encode(messageType, forKey: .messageType)
        try container.encodeIfPresent(conversationProviderId, forKey: .conversationProviderId)
        try container.encodeIfPresent(chatWidgetId, forKey: .chatWidgetId)
    }
}
