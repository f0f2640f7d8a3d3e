/// What the page query asks for (CONTRACT.md §2.1, §11 Q1, Q3, Q5).
public struct MessagePageQuery: Sendable, Hashable {
    public static let defaultLimit = 20
    public static let maximumLimit = 100

    public var conversationId: ConversationID
    public var locationId: LocationID
    /// Continue strictly after (older than) this message.
    public var lastMessageId: MessageID?
    public var limit: Int
    public var filter: MessageTypeFilter?

    public init(
        conversationId: ConversationID, locationId: LocationID, lastMessageId: MessageID? = nil,
        limit: Int = MessagePageQuery.defaultLimit, filter: MessageTypeFilter? = nil
    ) {
        self.conversationId = conversationId
        self.locationId = locationId
        self.lastMessageId = lastMessageId
        self.limit = limit
        self.filter = filter
    }
}

/// One page, newest first by `dateAdded`, ties by id descending.
public struct MessagePage: Sendable, Hashable {
    public var messages: [Message]
    /// True if and only if another matching message exists beyond this page.
    public var nextPage: Bool

    public init(messages: [Message], nextPage: Bool) {
        self.messages = messages
        self.nextPage = nextPage
    }

    /// The cursor for the next page: the id of the oldest message on this one (absent on an empty page).
    public var lastMessageId: MessageID? { messages.last?.id }

    /// `{"messages":{"lastMessageId":…,"nextPage":…,"messages":[…]},"traceId":…}`: the wire shape (CONTRACT.md §2.3).
    public func responseBytes(traceId: String) -> [UInt8] {
        TraceIdSlot.complete(responsePrefix(), traceId: traceId)
    }

    /// The response up to its trace id (`…,"traceId":"`), so one encoding can serve many requests.
    public func responsePrefix() -> [UInt8] {
        var json = JSONWriter(capacity: 256 + messages.count * 512)
        json.beginObject()
        json.key("messages")
        json.beginObject()
        if let lastMessageId { json.key("lastMessageId"); json.string(lastMessageId.rawValue) }
        json.key("nextPage"); json.bool(nextPage)
        json.key("messages")
        json.beginArray()
        for message in messages { message.write(to: &json) }
        json.endArray()
        json.endObject()
        TraceIdSlot.open(&json)
        return json.bytes
    }
}

/// The decoded form of the page response, for clients and tests.
public struct MessagePageResponse: Sendable, Hashable, Codable {
    public struct Page: Sendable, Hashable, Codable {
        public var lastMessageId: MessageID?
        public var nextPage: Bool
        public var messages: [Message]
    }

    public var messages: Page
    public var traceId: String?
}

/// Parses the `limit` query parameter (CONTRACT.md §11 Q1): integers of 1 or more, larger than 100 clamped to 100.
public enum PageLimit {
    public static func parse(_ raw: Substring?) throws(ValidationFailure) -> Int {
        guard let raw else { return MessagePageQuery.defaultLimit }
        var digits = raw[...]
        var negative = false
        if let first = digits.first, first == "-" || first == "+" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw ValidationFailure("limit must be an integer number")
        }
        let isZero = digits.utf8.allSatisfy { $0 == 0x30 }
        if negative || isZero { throw ValidationFailure("limit must not be less than 1") }
        // Anything longer than three significant digits is above the cap anyway.
        let significant = digits.drop { $0 == "0" }
        guard significant.count <= 3, let value = Int(significant) else { return MessagePageQuery.maximumLimit }
        return min(value, MessagePageQuery.maximumLimit)
    }
}

/// Responses end with `"traceId":"<uuid>"}`. Encoding stops before the id, so the bytes before it can be reused.
public enum TraceIdSlot {
    /// Writes `,"traceId":"` (the caller's object is still open).
    public static func open(_ json: inout JSONWriter) {
        json.key("traceId")
        json.raw([UInt8(ascii: "\"")])
    }

    /// `prefix + traceId + "}` — trace ids are UUIDs, which need no escaping.
    public static func complete(_ prefix: [UInt8], traceId: String) -> [UInt8] {
        var bytes = prefix
        bytes.reserveCapacity(prefix.count + traceId.utf8.count + 2)
        bytes.append(contentsOf: traceId.utf8)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
