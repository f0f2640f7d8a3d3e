/// An email's own record: what `GET /conversations/messages/email/{id}` serves beyond the conversation message the
/// email belongs to (CONTRACT.md §5.2). Every email, sent or received, has one, under an id of its own (the message's
/// `meta.email.messageIds`); replies share the first email's `threadId`.
public struct EmailRecord: Sendable, Hashable {
    public var id: String
    public var locationId: LocationID
    public var conversationId: ConversationID
    public var messageId: MessageID
    public var threadId: String
    public var headers: EmailHeaders

    public init(
        id: String, locationId: LocationID, conversationId: ConversationID, messageId: MessageID, threadId: String,
        headers: EmailHeaders
    ) {
        self.id = id
        self.locationId = locationId
        self.conversationId = conversationId
        self.messageId = messageId
        self.threadId = threadId
        self.headers = headers
    }
}

/// The parts of an email its message has no field for, stored together; `events` and `recipients` are what a
/// provider reports through `PUT /conversations/messages/email/{id}/status`.
public struct EmailHeaders: Sendable, Hashable, Codable {
    public var subject: String?
    /// `Name <address>` or a bare address.
    public var from: String
    public var to: [String]
    public var cc: [String]
    public var bcc: [String]
    /// The email this one answers, when it answers one.
    public var replyToMessageId: String?
    public var provider: String
    public var events: [String: Int]
    public var recipients: [EmailRecipient]

    public init(
        subject: String?, from: String, to: [String], cc: [String] = [], bcc: [String] = [],
        replyToMessageId: String? = nil, provider: String, events: [String: Int] = [:],
        recipients: [EmailRecipient] = []
    ) {
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.replyToMessageId = replyToMessageId
        self.provider = provider
        self.events = events
        self.recipients = recipients
    }

    /// Who a sent email is from when the send names no `emailFrom` (HighLevel uses the location's own address).
    public static let defaultFrom = "Switchboard <no-reply@switchboard.invalid>"
    /// The provider's name for emails Switchboard sends itself (HighLevel's own is undocumented).
    public static let switchboardProvider = "switchboard"
    /// The provider's name for emails a custom conversation provider sends.
    public static let customProvider = "custom"

    /// The event counters a provider may report, in HighLevel's v3 `events` object.
    public static let eventNames: Set<String> = [
        "delivered", "opened", "clicked", "replied", "failed", "accepted", "rejected", "unsubscribed", "complained",
        "stored",
    ]

    /// A provider's report applied, as HighLevel's v3 document describes it: a counter given replaces the stored one
    /// (a zero leaves it as it is); events the report implies are at least 1 (a click, complaint, unsubscription or
    /// reply means the email was opened, an opening that it was delivered, a delivery that it was accepted); and
    /// recipients are upserted by `emailId`.
    public func reporting(status: String, events reported: [String: Int], recipients reportedRecipients: [EmailRecipient])
        -> EmailHeaders
    {
        var updated = self
        var happened = Set<String>()
        for (name, count) in reported where count > 0 {
            updated.events[name] = count
            happened.insert(name)
        }
        if let event = Self.event(ofStatus: status) { happened.insert(event) }
        if !happened.isDisjoint(with: ["clicked", "complained", "unsubscribed", "replied"]) { happened.insert("opened") }
        if happened.contains("opened") { happened.insert("delivered") }
        if happened.contains("delivered") { happened.insert("accepted") }
        for event in happened where (updated.events[event] ?? 0) < 1 {
            updated.events[event] = 1
        }
        for recipient in reportedRecipients {
            if let index = updated.recipients.firstIndex(where: { $0.emailId == recipient.emailId }) {
                updated.recipients[index] = recipient
            } else {
                updated.recipients.append(recipient)
            }
        }
        return updated
    }

    /// The event a status says happened, if any (`read` is an email's opening).
    static func event(ofStatus status: String) -> String? {
        switch status {
        case "delivered", "opened", "clicked", "failed": status
        case "read": "opened"
        case "undelivered": "failed"
        default: nil
        }
    }
}

/// One recipient's delivery, as a provider reports it.
public struct EmailRecipient: Sendable, Hashable, Codable {
    public var emailId: String
    public var status: String
    public var failReason: String?

    public init(emailId: String, status: String, failReason: String? = nil) {
        self.emailId = emailId
        self.status = status
        self.failReason = failReason
    }
}
