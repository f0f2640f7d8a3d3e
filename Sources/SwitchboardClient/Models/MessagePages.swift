public import SwitchboardCore

/// One page of `GET /conversations/{conversationId}/messages`, newest first.
public struct ConversationMessagesPage: Sendable, Hashable {
    public var messages: [HighLevelMessage]
    /// More messages exist beyond this page.
    public var nextPage: Bool
    /// The cursor for the next page; nil when the server sent none, `null` or `""` (CONTRACT.md §11 Q2).
    public var lastMessageId: MessageID?
    public var traceId: String?

    public init(messages: [HighLevelMessage], nextPage: Bool, lastMessageId: MessageID?, traceId: String? = nil) {
        self.messages = messages
        self.nextPage = nextPage
        self.lastMessageId = lastMessageId
        self.traceId = traceId
    }

    /// Reads the wrapped page HighLevel sends, `{"messages":{"lastMessageId","nextPage","messages":[…]},"traceId"}`,
    /// and the unwrapped one its current spec documents, `{"lastMessageId","nextPage","messages":[…]}` (§2.5).
    public init(json body: RawJSONObject) throws(ResponseShapeError) {
        let page: RawJSONObject
        switch body.present("messages") {
        case .object(let wrapped): page = wrapped
        case .array: page = body
        case nil: page = body  // an empty page may leave the list out entirely
        default: throw ResponseShapeError("`messages` is neither a page object nor a list")
        }
        messages = try Self.decodeMessages(page.present("messages"))
        nextPage = page.present("nextPage")?.boolValue ?? false
        lastMessageId = page.present("lastMessageId")?.stringValue.flatMap { $0.isEmpty ? nil : MessageID(rawValue: $0) }
        traceId = body.present("traceId")?.stringValue
    }

    static func decodeMessages(_ value: RawJSON?) throws(ResponseShapeError) -> [HighLevelMessage] {
        guard let value else { return [] }
        guard let items = value.arrayValue else { throw ResponseShapeError("`messages` is not a list") }
        var messages: [HighLevelMessage] = []
        messages.reserveCapacity(items.count)
        for item in items {
            guard let object = item.objectValue else { throw ResponseShapeError("a message is not an object") }
            messages.append(try HighLevelMessage(json: object))
        }
        return messages
    }

    /// The cursor to continue from: `lastMessageId`, or the id of the page's last message when it was left out.
    var continuation: String? {
        guard nextPage, !messages.isEmpty else { return nil }
        return (lastMessageId ?? messages.last?.id)?.rawValue
    }
}

/// One page of `GET /conversations/messages/export`.
public struct ExportedMessagesPage: Sendable, Hashable {
    public var messages: [HighLevelMessage]
    /// Pass back as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?
    /// Every message matching the filters, ignoring the cursor.
    public var total: Int?
    public var traceId: String?

    public init(messages: [HighLevelMessage], nextCursor: String?, total: Int?, traceId: String? = nil) {
        self.messages = messages
        self.nextCursor = nextCursor
        self.total = total
        self.traceId = traceId
    }

    public init(json body: RawJSONObject) throws(ResponseShapeError) {
        let page = body.present("messages")?.objectValue ?? body  // tolerate the same wrapping as the page endpoint
        messages = try ConversationMessagesPage.decodeMessages(page.present("messages"))
        nextCursor = page.present("nextCursor")?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        total = page.present("total")?.intValue
        traceId = body.present("traceId")?.stringValue
    }
}

extension HighLevelMessage {
    /// `GET /conversations/messages/{id}`: `{"message":{…},"traceId"}` on the wire, a bare message in the spec.
    init(singleMessageBody body: RawJSONObject) throws(ResponseShapeError) {
        if body.present("id") == nil, let wrapped = body.present("message")?.objectValue {
            try self.init(json: wrapped)
        } else {
            try self.init(json: body)
        }
    }
}
