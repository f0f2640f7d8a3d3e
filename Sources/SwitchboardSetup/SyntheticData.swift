public import SwitchboardCore

/// Deterministic message histories for benchmarks and load tests: `conversations` conversations sharing
/// `messages` messages on every channel, plus optionally one large conversation, in the API's NDJSON form.
public struct SyntheticData: Sendable {
    /// `sequential`: ids in order (`Msg00000000000000000`, …) and lines in time order, the friendliest data a store
    /// can get. `realistic`: shaped like a real export (see `generateRealistic`).
    public enum Shape: Sendable { case sequential, realistic }

    public var location: LocationID
    public var messages: Int
    public var conversations: Int
    public var largeConversationMessages: Int
    public var seed: UInt64
    public var shape: Shape

    public init(
        location: LocationID, messages: Int, conversations: Int, largeConversationMessages: Int, seed: UInt64,
        shape: Shape = .sequential
    ) {
        self.location = location
        self.messages = messages
        // A realistic conversation has at least one message.
        self.conversations = max(1, shape == .realistic ? min(conversations, max(messages, 1)) : conversations)
        self.largeConversationMessages = largeConversationMessages
        self.seed = seed
        self.shape = shape
    }

    /// The large conversation's id, and a typical one's (the first of the many).
    public var largeConversationId: ConversationID { ConversationID(rawValue: "LargeConversation000") }
    public func conversationId(_ index: Int) -> ConversationID {
        ConversationID(rawValue: "Conv" + String(index).leftPadded(to: 16))
    }

    static let channels: [MessageType] = [.sms, .sms, .sms, .call, .email, .whatsapp, .facebook, .instagram, .gmb,
                                          .liveChat, .internalComment, .activityAppointment]

    /// Calls `write` with batches of NDJSON lines (bytes, each line ending in a newline).
    public func generate(_ write: ([UInt8]) throws -> Void) rethrows {
        switch shape {
        case .sequential: try generateSequential(write)
        case .realistic: try generateRealistic(write)
        }
    }

    /// Oldest messages first, ids in order.
    private func generateSequential(_ write: ([UInt8]) throws -> Void) rethrows {
        var random = SeededGenerator(seed: seed)
        var json = JSONWriter(capacity: 1 << 20)
        let start: Int64 = 1_700_000_000_000
        func emit(_ index: Int, conversation: ConversationID, contact: ContactID, at time: Int64) {
            let type = Self.channels[Int(random.next(upperBound: UInt64(Self.channels.count)))]
            let inbound = random.next(upperBound: 2 as UInt64) == 0
            let message = Message(
                id: MessageID(rawValue: "Msg" + String(index).leftPadded(to: 17)), conversationId: conversation,
                locationId: location, contactId: contact, messageType: type,
                direction: type == .activityAppointment ? nil : (inbound ? .inbound : .outbound),
                status: type.isCall ? "completed" : "delivered",
                body: type.isCall ? nil : "Message \(index) on \(type.rawValue): see you at 3pm, thanks!",
                contentType: type.isCall ? nil : (type.isEmail ? "text/html" : "text/plain"),
                dateAdded: Timestamp(rawValue: time), source: inbound ? nil : "app",
                call: type.isCall ? CallDetails(duration: Int(random.next(upperBound: 600 as UInt64)), status: "completed") : nil,
                emailMessageIds: type.isEmail ? ["Email" + String(index).leftPadded(to: 15)] : nil)
            message.write(to: &json)
            json.newline()
        }
        func flushIfFull() throws {
            if json.bytes.count > (1 << 20) - 4096 {
                try write(json.bytes)
                json = JSONWriter(capacity: 1 << 20)
            }
        }
        for index in 0..<messages {
            let owner = index % conversations
            // Seconds apart, with every tenth message sharing its predecessor's millisecond.
            let time = start + Int64(index / conversations) * 1000 + (index % 10 == 0 ? 0 : Int64(owner % 997))
            emit(index, conversation: conversationId(owner), contact: ContactID(rawValue: "Contact" + String(owner).leftPadded(to: 13)), at: time)
            try flushIfFull()
        }
        for index in 0..<largeConversationMessages {
            emit(messages + index, conversation: largeConversationId, contact: ContactID(rawValue: "LargeContact00000000"),
                 at: start + Int64(index) * 1000)
            try flushIfFull()
        }
        if !json.bytes.isEmpty { try write(json.bytes) }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
