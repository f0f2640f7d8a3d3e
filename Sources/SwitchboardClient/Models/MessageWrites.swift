public import SwitchboardCore

/// A channel name of the send/inbound/outbound bodies (`SMS`, `Email`, `Call`, …): a vocabulary of its own, distinct
/// from `TYPE_*` (CONTRACT.md §4.2). Open, so a channel added later can be named without a client update.
public struct MessageChannel: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static let sms: MessageChannel = "SMS"
    public static let rcs: MessageChannel = "RCS"
    public static let email: MessageChannel = "Email"
    public static let whatsApp: MessageChannel = "WhatsApp"
    public static let gmb: MessageChannel = "GMB"
    public static let instagram: MessageChannel = "IG"
    public static let facebook: MessageChannel = "FB"
    public static let custom: MessageChannel = "Custom"
    public static let webChat: MessageChannel = "WebChat"
    public static let liveChat: MessageChannel = "Live_Chat"
    public static let call: MessageChannel = "Call"
    public static let tiktok: MessageChannel = "TIKTOK"
}

/// `POST /conversations/messages` (`SendMessageBodyDto`). HighLevel sends to the contact's primary phone or email
/// when no destination is given.
public struct SendMessageRequest: Sendable, Hashable, Encodable {
    public var type: MessageChannel
    public var contactId: ContactID
    public var message: String?
    public var subject: String?
    public var html: String?
    public var attachments: [String]?
    public var emailFrom: String?
    public var emailTo: String?
    public var emailCc: [String]?
    public var emailBcc: [String]?
    public var replyMessageId: String?
    public var threadId: String?
    public var templateId: String?
    /// When to send, in UTC seconds.
    public var scheduledTimestamp: Int64?
    public var conversationProviderId: String?
    public var fromNumber: String?
    public var toNumber: String?
    /// `delivered`, `failed`, `pending`, `read`: the spec marks it required, HighLevel accepts it left out.
    public var status: String?

    public init(
        type: MessageChannel, contactId: ContactID, message: String? = nil, subject: String? = nil, html: String? = nil,
        attachments: [String]? = nil, emailFrom: String? = nil, emailTo: String? = nil, emailCc: [String]? = nil,
        emailBcc: [String]? = nil, replyMessageId: String? = nil, threadId: String? = nil, templateId: String? = nil,
        scheduledTimestamp: Int64? = nil, conversationProviderId: String? = nil, fromNumber: String? = nil,
        toNumber: String? = nil, status: String? = nil
    ) {
        self.type = type
        self.contactId = contactId
        self.message = message
        self.subject = subject
        self.html = html
        self.attachments = attachments
        self.emailFrom = emailFrom
        self.emailTo = emailTo
        self.emailCc = emailCc
        self.emailBcc = emailBcc
        self.replyMessageId = replyMessageId
        self.threadId = threadId
        self.templateId = templateId
        self.scheduledTimestamp = scheduledTimestamp
        self.conversationProviderId = conversationProviderId
        self.fromNumber = fromNumber
        self.toNumber = toNumber
        self.status = status
    }
}

/// The answer to send and to a status update (`SendMessageResponseDto`).
public struct SendMessageResponse: Sendable, Hashable {
    public var conversationId: ConversationID?
    public var messageId: MessageID?
    /// Email sends: the email record's id, for `GET /conversations/messages/email/{id}`.
    public var emailMessageId: String?
    /// GMB sends split into several messages.
    public var messageIds: [String]?
    public var status: String?
    public var msg: String?
    public var traceId: String?
    public var json: RawJSONObject

    public init(json body: RawJSONObject) {
        func string(_ key: String) -> String? { body.present(key)?.stringValue }
        conversationId = string("conversationId").map(ConversationID.init(rawValue:))
        messageId = string("messageId").map(MessageID.init(rawValue:))
        emailMessageId = string("emailMessageId")
        messageIds = body.present("messageIds")?.arrayValue?.compactMap(\.stringValue)
        status = string("status")
        msg = string("msg")
        traceId = string("traceId")
        json = body
    }
}

/// Call details of inbound/outbound call records (`CallDataDTO`).
public struct CallData: Sendable, Hashable, Encodable {
    public var to: String?
    public var from: String?
    /// `pending`, `completed`, `answered`, `busy`, `no-answer`, `failed`, `canceled`, `voicemail`.
    public var status: String?
    /// Seconds. A Switchboard extension (HighLevel's DTO has no duration); leave nil when talking to HighLevel.
    public var duration: Int?

    public init(to: String? = nil, from: String? = nil, status: String? = nil, duration: Int? = nil) {
        self.to = to
        self.from = from
        self.status = status
        self.duration = duration
    }
}

/// `POST /conversations/messages/inbound` (`ProcessMessageBodyDto`): records a message a custom provider received.
public struct InboundMessageRequest: Sendable, Hashable, Encodable {
    public var type: MessageChannel
    public var conversationId: ConversationID
    public var contactId: ContactID
    public var conversationProviderId: String?
    public var message: String?
    public var html: String?
    public var subject: String?
    public var attachments: [String]?
    public var emailFrom: String?
    public var emailTo: String?
    public var emailCc: [String]?
    public var emailBcc: [String]?
    public var emailMessageId: String?
    public var altId: String?
    /// HighLevel defaults to `outbound` when this is left out.
    public var direction: String?
    public var date: Timestamp?
    public var call: CallData?

    public init(
        type: MessageChannel, conversationId: ConversationID, contactId: ContactID, conversationProviderId: String? = nil,
        message: String? = nil, html: String? = nil, subject: String? = nil, attachments: [String]? = nil,
        emailFrom: String? = nil, emailTo: String? = nil, emailCc: [String]? = nil, emailBcc: [String]? = nil,
        emailMessageId: String? = nil, altId: String? = nil, direction: String? = "inbound", date: Timestamp? = nil,
        call: CallData? = nil
    ) {
        self.type = type
        self.conversationId = conversationId
        self.contactId = contactId
        self.conversationProviderId = conversationProviderId
        self.message = message
        self.html = html
        self.subject = subject
        self.attachments = attachments
        self.emailFrom = emailFrom
        self.emailTo = emailTo
        self.emailCc = emailCc
        self.emailBcc = emailBcc
        self.emailMessageId = emailMessageId
        self.altId = altId
        self.direction = direction
        self.date = date
        self.call = call
    }
}

/// `POST /conversations/messages/outbound` (`ProcessOutboundMessageBodyDto`): records an external outbound call.
public struct OutboundCallRequest: Sendable, Hashable, Encodable {
    public var type: MessageChannel = .call
    public var conversationId: ConversationID
    public var conversationProviderId: String?
    public var attachments: [String]?
    public var altId: String?
    public var date: Timestamp?
    public var call: CallData?

    public init(
        conversationId: ConversationID, conversationProviderId: String? = nil, attachments: [String]? = nil,
        altId: String? = nil, date: Timestamp? = nil, call: CallData? = nil
    ) {
        self.conversationId = conversationId
        self.conversationProviderId = conversationProviderId
        self.attachments = attachments
        self.altId = altId
        self.date = date
        self.call = call
    }
}

/// The answer to inbound and outbound (`ProcessMessageResponseDto`). Fields are optional because HighLevel has been
/// seen answering 201 with an empty body (CONTRACT.md §5.2).
public struct ProcessMessageResponse: Sendable, Hashable {
    public var success: Bool?
    public var conversationId: ConversationID?
    public var messageId: MessageID?
    public var contactId: ContactID?
    public var message: String?
    public var dateAdded: Timestamp?
    public var emailMessageId: String?
    public var traceId: String?
    public var json: RawJSONObject

    public init(json body: RawJSONObject) {
        func string(_ key: String) -> String? { body.present(key)?.stringValue }
        success = body.present("success")?.boolValue
        conversationId = string("conversationId").map(ConversationID.init(rawValue:))
        messageId = string("messageId").map(MessageID.init(rawValue:))
        contactId = string("contactId").map(ContactID.init(rawValue:))
        message = string("message")
        dateAdded = body.present("dateAdded").flatMap(Timestamp.init(lenient:))
        emailMessageId = string("emailMessageId")
        traceId = string("traceId")
        json = body
    }
}

/// `PUT /conversations/messages/{messageId}/status` (`UpdateMessageStatusDto`), used by custom providers.
public struct MessageStatusUpdate: Sendable, Hashable, Encodable {
    public struct ProviderError: Sendable, Hashable, Encodable {
        public var code: String
        public var type: String
        public var message: String
        public init(code: String, type: String, message: String) {
            self.code = code
            self.type = type
            self.message = message
        }
    }

    /// `delivered`, `failed`, `pending`, `read`.
    public var status: String
    public var error: ProviderError?
    public var emailMessageId: String?
    public var recipients: [String]?

    public init(status: String, error: ProviderError? = nil, emailMessageId: String? = nil, recipients: [String]? = nil) {
        self.status = status
        self.error = error
        self.emailMessageId = emailMessageId
        self.recipients = recipients
    }
}

/// `DELETE /conversations/messages/{messageId}/schedule`: the outcome is in the body (`status` 404 means it failed).
public struct CancelScheduledResponse: Sendable, Hashable {
    public var status: Int?
    public var message: String?
    public var json: RawJSONObject

    public init(json body: RawJSONObject) {
        status = body.present("status")?.intValue
        message = body.present("message")?.stringValue
        json = body
    }
}
