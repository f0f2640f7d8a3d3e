import SwitchboardCore

extension SyntheticData {
    /// Words the bodies are made of: mostly everyday English, some accented, some emoji and other scripts, so the
    /// bytes are not all ASCII.
    static let realisticWords = [
        "hi", "hello", "thanks", "thank", "you", "see", "at", "the", "appointment", "tomorrow", "today", "please",
        "confirm", "your", "booking", "for", "is", "on", "call", "me", "back", "when", "free", "we", "can", "reschedule",
        "price", "quote", "invoice", "sent", "received", "great", "perfect", "sounds", "good", "morning", "evening",
        "week", "next", "monday", "friday", "3pm", "10:30", "address", "parking", "café", "naïve", "señora", "über",
        "merci", "déjà", "vu", "👍", "🙏", "😊", "✅", "日本", "ありがとう", "спасибо", "شكرا", "and", "a", "to", "of", "with",
    ]
    static let realisticChannels: [MessageType] = [
        .sms, .sms, .sms, .sms, .sms, .sms, .email, .email, .call, .call, .whatsapp, .facebook, .instagram, .gmb,
        .liveChat, .activityAppointment,
    ]
    static let callStatuses = ["completed", "completed", "completed", "no-answer", "busy", "voicemail"]
    static let attachmentKinds = ["jpg", "png", "pdf", "mp4"]

    /// History shaped like a real export, for benchmarks that must not flatter: random 20-character ids for messages,
    /// conversations and contacts (so inserts land all over the primary key, as HighLevel's ids do), lines grouped by
    /// conversation and newest first within each, as `messages --all --format ndjson` writes them, bodies of 20–400
    /// characters with some non-ASCII text, emails with their message ids, calls with duration and status,
    /// appointment activity, and about one message in ten with attachments. Conversations have between one message
    /// and twice the average; the large conversation, if any, comes last.
    func generateRealistic(_ write: ([UInt8]) throws -> Void) rethrows {
        var random = SeededGenerator(seed: seed)
        var json = JSONWriter(capacity: 1 << 20)
        let users = (0..<8).map { _ in HighLevelID.make(using: &random) }
        func roll(_ upperBound: Int) -> Int { Int(random.next(upperBound: UInt64(max(upperBound, 1)))) }

        func body(for type: MessageType) -> String {
            let length = 20 + roll(381)
            var text = ""
            while text.count < length {
                if !text.isEmpty { text += " " }
                text += Self.realisticWords[roll(Self.realisticWords.count)]
            }
            text = String(text.prefix(length))
            return type.isEmail ? "<div><p>" + text + "</p></div>" : text
        }

        func emitConversation(count: Int) throws {
            let conversation = ConversationID.generate(using: &random)
            let contact = ContactID.generate(using: &random)
            // A year of history, messages minutes to a day apart; written newest first.
            var time: Int64 = 1_672_531_200_000 + Int64(roll(365 * 86_400)) * 1000
            var lines: [Message] = []
            lines.reserveCapacity(count)
            for _ in 0..<count {
                time += Int64(60 + roll(86_400)) * 1000 + Int64(roll(1000))
                let type = Self.realisticChannels[roll(Self.realisticChannels.count)]
                let inbound = roll(2) == 0
                var message = Message(
                    id: .generate(using: &random), conversationId: conversation, locationId: location,
                    contactId: contact, messageType: type,
                    direction: type == .activityAppointment ? nil : (inbound ? .inbound : .outbound),
                    status: type.isCall ? nil : (inbound ? "delivered" : "sent"),
                    body: type.isCall ? nil : body(for: type),
                    contentType: type.isCall ? nil : (type.isEmail ? "text/html" : "text/plain"),
                    dateAdded: Timestamp(rawValue: time), source: inbound ? nil : "app",
                    userId: inbound ? nil : users[roll(users.count)])
                if type.isCall {
                    let status = Self.callStatuses[roll(Self.callStatuses.count)]
                    message.call = CallDetails(duration: status == "completed" ? 5 + roll(900) : 0, status: status)
                    message.status = status
                }
                if type.isEmail { message.emailMessageIds = [HighLevelID.make(using: &random)] }
                if !type.isCall, roll(10) == 0 {
                    message.attachments = (0...roll(2)).map { _ in
                        "https://storage.example.com/\(location.rawValue)/media/\(HighLevelID.make(using: &random))."
                            + Self.attachmentKinds[roll(Self.attachmentKinds.count)]
                    }
                }
                lines.append(message)
            }
            for message in lines.reversed() {
                message.write(to: &json)
                json.newline()
                if json.bytes.count > (1 << 20) - 8192 {
                    try write(json.bytes)
                    json = JSONWriter(capacity: 1 << 20)
                }
            }
        }

        var remaining = messages
        for index in 0..<conversations where remaining > 0 {
            let left = conversations - index
            // Uniform between one and twice what is left per conversation: the average holds, the sizes vary.
            let count = left == 1 ? remaining : min(remaining - (left - 1), 1 + roll(2 * remaining / left))
            try emitConversation(count: max(1, count))
            remaining -= max(1, count)
        }
        if largeConversationMessages > 0 { try emitConversation(count: largeConversationMessages) }
        if !json.bytes.isEmpty { try write(json.bytes) }
    }
}
