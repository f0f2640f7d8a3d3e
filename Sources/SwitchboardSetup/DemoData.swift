public import Logging
import NIOCore
public import SwitchboardCore
public import SwitchboardStorage

/// Sample conversations on every channel, the same for the same seed.
public enum DemoData {
    public struct Created: Sendable, Hashable {
        public var conversationId: ConversationID
        public var channel: String
        public var messageCount: Int
    }

    /// Fixed, so that the same seed gives byte-identical data on every run.
    static let start = Timestamp(rawValue: 1_767_603_600_000)  // 2026-01-05T09:00:00.000Z

    /// `fileBaseURL` is where the server serves files (`http://127.0.0.1:8080`): the calls' recordings are
    /// attachments at that address.
    public static func populate(
        _ store: some ConversationStore, location: LocationID, seed: UInt64, fileBaseURL: String, logger: Logger
    ) async throws -> [Created] {
        var builder = Builder(location: location, seed: seed, fileBaseURL: fileBaseURL)
        builder.conversation("SMS", contact: ("Ada", "Lovelace", "ada@example.com", "+15550100001")) { b in
            for index in 0..<8 {
                b.add(.sms, index.isMultiple(of: 2) ? .inbound : .outbound, body: b.pick(smsLines), status: "delivered")
            }
        }
        builder.conversation("Email", contact: ("Grace", "Hopper", "grace@example.com", "+15550100002")) { b in
            for index in 0..<4 {
                b.add(.email, index.isMultiple(of: 2) ? .inbound : .outbound, body: b.pick(emailLines), status: "delivered",
                      contentType: "text/html", emailIds: [b.id(), b.id()])
            }
        }
        builder.conversation("Calls and voicemail", contact: ("Alan", "Turing", "alan@example.com", "+15550100003")) { b in
            b.add(.call, .inbound, status: "completed", call: CallDetails(duration: 37, status: "completed"),
                  altId: "CA" + b.id(), attachments: [b.recording()])
            b.add(.call, .outbound, status: "completed", call: CallDetails(duration: 0, status: "no-answer"))
            b.add(.call, .inbound, status: "voicemail", call: CallDetails(duration: 22, status: "voicemail"),
                  attachments: [b.recording()])
            b.add(.campaignVoicemail, .outbound, status: "delivered", call: CallDetails(duration: 18, status: "completed"))
        }
        builder.conversation("Facebook", contact: ("Edsger", "Dijkstra", "edsger@example.com", nil)) { b in
            for index in 0..<5 { b.add(.facebook, index.isMultiple(of: 2) ? .inbound : .outbound, body: b.pick(chatLines), status: "delivered") }
        }
        builder.conversation("Instagram", contact: ("Barbara", "Liskov", nil, nil)) { b in
            for index in 0..<5 { b.add(.instagram, index.isMultiple(of: 2) ? .inbound : .outbound, body: b.pick(chatLines), status: "read") }
        }
        builder.conversation("WhatsApp", contact: ("Donald", "Knuth", nil, "+15550100006")) { b in
            for index in 0..<6 {
                b.add(.whatsapp, index.isMultiple(of: 2) ? .inbound : .outbound, body: b.pick(chatLines), status: "delivered",
                      altId: "wamid." + b.id(), attachments: index == 2 ? ["https://example.com/media/photo.jpg"] : nil)
            }
        }
        builder.conversation("Google Business Messages", contact: ("Margaret", "Hamilton", "margaret@example.com", nil)) { b in
            for index in 0..<4 { b.add(.gmb, index.isMultiple(of: 2) ? .inbound : .outbound, body: b.pick(chatLines), status: "delivered") }
        }
        builder.conversation("Live chat", contact: ("Ken", "Thompson", "ken@example.com", nil)) { b in
            let widget = "67b0cc8cf14b19d85ace7" + String(b.hex(3))
            for index in 0..<6 {
                b.add(.liveChat, index.isMultiple(of: 2) ? .inbound : .outbound, body: b.pick(chatLines), status: "read", chatWidgetId: widget)
            }
        }
        builder.conversation("Internal comments and activity", contact: ("Frances", "Allen", "frances@example.com", "+15550100009")) { b in
            b.add(.sms, .inbound, body: "Can we move the appointment to Friday?", status: "delivered")
            b.add(.internalComment, .outbound, body: "Checking the calendar with the team.", source: "app")
            b.add(.activityAppointment, nil, body: "Appointment moved to Friday 10:00")
            b.add(.activityOpportunity, nil, body: "Opportunity moved to Negotiation")
            b.add(.activityContact, nil, body: "Contact tag added: vip")
            b.add(.sms, .outbound, body: "Done, see you Friday at 10.", status: "delivered")
        }
        builder.conversation("Long mixed history", contact: ("Dennis", "Ritchie", "dennis@example.com", "+15550100010")) { b in
            for index in 0..<150 {
                let direction: MessageDirection = b.chance(0.5) ? .inbound : .outbound
                // Every seventh message shares its timestamp with the one before, so ties are exercised.
                let sameTime = index % 7 == 3
                switch b.roll(10) {
                case 0..<6: b.add(.sms, direction, body: b.pick(smsLines), status: "delivered", sameTime: sameTime)
                case 6..<8:
                    b.add(.email, direction, body: b.pick(emailLines), status: "delivered", contentType: "text/html",
                          emailIds: [b.id()], sameTime: sameTime)
                default:
                    let duration = b.roll(600)
                    b.add(.call, direction, status: "completed",
                          call: CallDetails(duration: duration, status: duration == 0 ? "no-answer" : "completed"),
                          sameTime: sameTime)
                }
            }
        }
        for contact in builder.contacts { try await store.createContact(contact, logger: logger) }
        try await store.insertMessages(builder.messages, logger: logger)
        try await addEmailRecordsAndTranscriptions(builder, to: store, logger: logger)
        try await addRecordings(builder, to: store, logger: logger)
        return builder.created
    }

    /// The recordings the calls' attachments name: one short real WAV file each (`DemoRecording`).
    static func addRecordings(_ builder: Builder, to store: some ConversationStore, logger: Logger) async throws {
        let wav = DemoRecording.wav()
        for message in builder.messages {
            for url in message.attachments ?? [] {
                guard let token = FileLocation.token(in: url) else { continue }
                let file = StoredFile(
                    token: token, locationId: message.locationId, conversationId: message.conversationId,
                    name: "recording.wav", contentType: "audio/wav", maxSize: UploadRules.maximumFileSize,
                    createdAt: message.dateAdded)
                try await store.createFile(file, logger: logger)
                var writer = FileWriter(file, store: store, logger: logger)
                try await writer.write(ByteBuffer(bytes: wav))
                let (size, etag) = try await writer.finish()
                try await store.finishFile(
                    token, size: size, etag: etag, serve: true, conversation: message.conversationId, logger: logger)
            }
        }
    }

    /// The demo team's address, the other side of every demo email.
    static let team = "Demo Team <team@demo.switchboard.invalid>"

    /// What the email and call routes read: a record for each of a demo email's ids (one thread per conversation,
    /// each answering the email before it), and each answered call's transcription.
    static func addEmailRecordsAndTranscriptions(_ builder: Builder, to store: some ConversationStore, logger: Logger)
        async throws
    {
        var threads: [ConversationID: (first: String, last: String)] = [:]
        for message in builder.messages {
            let address = builder.contacts.first { $0.id == message.contactId }?.email ?? "contact@example.com"
            // Every email id a message lists is readable: a message may list more than one (the first demo
            // conversation's do), each the next email of its conversation's thread.
            for id in message.messageType.isEmail ? message.emailMessageIds ?? [] : [] {
                let thread = threads[message.conversationId]
                let inbound = message.direction == .inbound
                try await store.insertEmail(
                    EmailRecord(
                        id: id, locationId: message.locationId, conversationId: message.conversationId,
                        messageId: message.id, threadId: thread?.first ?? id,
                        headers: EmailHeaders(
                            subject: thread == nil ? "Your quote" : "Re: Your quote", from: inbound ? address : team,
                            to: [inbound ? team : address], replyToMessageId: thread?.last,
                            provider: EmailHeaders.switchboardProvider)),
                    logger: logger)
                threads[message.conversationId] = (thread?.first ?? id, id)
            }
            if message.messageType == .call, let seconds = message.call?.duration, seconds > 0 {
                let end = Double(seconds)
                try await store.setTranscription(
                    CallTranscription(
                        locationId: message.locationId, conversationId: message.conversationId, messageId: message.id,
                        sentences: [
                            TranscriptSentence(
                                mediaChannel: 1, sentenceIndex: 0, startTime: 0, endTime: end * 0.3,
                                transcript: "Hi, I'm calling about the quote you sent.", confidence: 0.94),
                            TranscriptSentence(
                                mediaChannel: 2, sentenceIndex: 1, startTime: end * 0.35, endTime: end * 0.7,
                                transcript: "Thanks for calling! Does Monday work for you?", confidence: 0.91),
                            TranscriptSentence(
                                mediaChannel: 1, sentenceIndex: 2, startTime: end * 0.75, endTime: end,
                                transcript: "Monday is perfect, see you then.", confidence: 0.89),
                        ]),
                    logger: logger)
            }
        }
    }

    static let smsLines = [
        "Hi! Is the 3pm slot still free?", "Yes, see you at 3pm.", "Running 10 minutes late, sorry!",
        "Thanks for the quick reply 🙏", "Can you send the invoice again?", "Sent. Let me know if it arrives.",
        "Perfect, thank you.", "STOP", "What's the address?", "123 Main St, Suite 4 — ring twice.",
    ]
    static let emailLines = [
        "<p>Hello,</p><p>Attached is the quote we discussed.</p>", "<p>Thanks — approved. When can you start?</p>",
        "<p>We can start Monday. I'll confirm by phone.</p>", "<p>Please find the signed contract attached.</p>",
    ]
    static let chatLines = [
        "Hello, do you ship to Canada?", "We do! Shipping takes 5–7 days.", "Great, ordering now.",
        "Order #1042 confirmed ✅", "Where is my order?", "It left the warehouse this morning.",
    ]

    struct Builder {
        let location: LocationID
        var random: SeededGenerator
        let fileBaseURL: String
        var clock = DemoData.start
        var contacts: [Contact] = []
        var messages: [Message] = []
        var created: [Created] = []
        private var current: (conversation: ConversationID, contact: ContactID)?

        init(location: LocationID, seed: UInt64, fileBaseURL: String) {
            self.location = location
            self.fileBaseURL = fileBaseURL
            random = SeededGenerator(seed: seed)
        }

        mutating func id() -> String { HighLevelID.make(using: &random) }

        /// The URL of a recording `addRecordings` stores: a token from the seeded generator, so the same seed gives
        /// the same data.
        mutating func recording() -> String {
            let token = FileToken.random(using: &random)
            return fileBaseURL + FileLocation.pathPrefix + token.rawValue + "/recording.wav"
        }
        mutating func hex(_ bytes: Int) -> Substring {
            let digits = Array("0123456789abcdef")
            return Substring((0..<bytes * 2).map { _ in digits[Int(random.next(upperBound: 16 as UInt64))] })
        }
        mutating func roll(_ upperBound: Int) -> Int { Int(random.next(upperBound: UInt64(upperBound))) }
        mutating func chance(_ probability: Double) -> Bool { Double(roll(1_000_000)) < probability * 1_000_000 }
        mutating func pick(_ lines: [String]) -> String { lines[roll(lines.count)] }

        mutating func conversation(
            _ channel: String, contact: (String, String, String?, String?), _ fill: (inout Builder) -> Void
        ) {
            let contactId = ContactID.generate(using: &random)
            let conversationId = ConversationID.generate(using: &random)
            contacts.append(
                Contact(
                    id: contactId, locationId: location, firstName: contact.0, lastName: contact.1,
                    name: "\(contact.0) \(contact.1)", email: contact.2, phone: contact.3, dateAdded: clock))
            current = (conversationId, contactId)
            let before = messages.count
            fill(&self)
            created.append(Created(conversationId: conversationId, channel: channel, messageCount: messages.count - before))
            clock = Timestamp(rawValue: clock.rawValue + 3_600_000)
        }

        mutating func add(
            _ type: MessageType, _ direction: MessageDirection?, body: String? = nil, status: String? = nil,
            contentType: String = "text/plain", call: CallDetails? = nil, emailIds: [String]? = nil,
            altId: String? = nil, attachments: [String]? = nil, chatWidgetId: String? = nil, source: String? = nil,
            sameTime: Bool = false
        ) {
            guard let current else { return }
            if !sameTime { clock = Timestamp(rawValue: clock.rawValue + Int64(30_000 + roll(600_000))) }
            messages.append(
                Message(
                    id: .generate(using: &random), conversationId: current.conversation, locationId: location,
                    contactId: current.contact, messageType: type, direction: direction, status: status, body: body,
                    contentType: type.isCall ? nil : contentType, dateAdded: clock,
                    dateUpdated: Timestamp(rawValue: clock.rawValue + Int64(roll(2000))),
                    source: source ?? (direction == .outbound ? "app" : nil), altId: altId, attachments: attachments,
                    call: call, emailMessageIds: emailIds, chatWidgetId: chatWidgetId))
        }
    }
}
