import Foundation
import SwitchboardCore
import Testing

/// Issue 16: a stored message rendered as HighLevel's InboundMessage / OutboundMessage webhook (CONTRACT.md §9.2).
@Suite struct WebhookEventTests {
    static let sent = Timestamp(rawValue: 1_772_120_414_307)  // 2026-02-26T15:40:14.307Z

    static func message(
        _ type: MessageType, _ direction: MessageDirection?, status: String? = "delivered", body: String? = "Hi there",
        call: CallDetails? = nil
    ) -> Message {
        Message(
            id: MessageID(rawValue: "msgAAAAAAAAAAAAAAAAA"), conversationId: ConversationID(rawValue: "convBBBBBBBBBBBBBBBB"),
            locationId: LocationID(rawValue: "locCCCCCCCCCCCCCCCCC"), contactId: ContactID(rawValue: "contDDDDDDDDDDDDDDDD"),
            messageType: type, direction: direction, status: status, body: body, dateAdded: sent, source: "app",
            userId: "userEEEEEEEEEEEEEEEE", call: call)
    }

    static func fields(_ event: MessageWebhookEvent) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: Data(event.jsonBytes()))
    }

    @Test func anInboundSMSIsRenderedWithHighLevelsFieldsInOrder() {
        let event = MessageWebhookEvent(
            message: Self.message(.sms, .inbound), webhookId: "wh-1", timestamp: Timestamp(rawValue: Self.sent.rawValue + 5))
        #expect(String(decoding: event.jsonBytes(), as: UTF8.self) == """
            {"type":"InboundMessage","locationId":"locCCCCCCCCCCCCCCCCC","attachments":[],"body":"Hi there",\
            "contactId":"contDDDDDDDDDDDDDDDD","contentType":"text/plain","conversationId":"convBBBBBBBBBBBBBBBB",\
            "dateAdded":"2026-02-26T15:40:14.307Z","direction":"inbound","messageType":"SMS","messageTypeId":2,\
            "messageTypeString":"TYPE_SMS","status":"delivered","messageId":"msgAAAAAAAAAAAAAAAAA",\
            "userId":"userEEEEEEEEEEEEEEEE","webhookId":"wh-1","timestamp":"2026-02-26T15:40:14.312Z"}
            """)
    }

    @Test func anOutboundMessageCarriesItsSourceAndAnAppItsAppId() throws {
        let event = MessageWebhookEvent(
            message: Self.message(.whatsapp, .outbound), webhookId: "wh-2", timestamp: Self.sent, appId: "65f0a1")
        let fields = try Self.fields(event)
        #expect(fields["type"] == .string("OutboundMessage"))
        #expect(fields["source"] == .string("app"))
        #expect(fields["appId"] == .string("65f0a1"))
        #expect(fields["messageType"] == .string("WhatsApp"))
        #expect(fields["messageTypeId"] == .number(19))
        #expect(try Self.fields(MessageWebhookEvent(message: Self.message(.sms, .inbound), webhookId: "w", timestamp: Self.sent))["source"] == nil)
    }

    /// §9.2's call semantics: an answered inbound call is `completed` twice; an inbound call to voicemail is
    /// `voicemail` twice; an outbound call that reached voicemail is `completed` with `callStatus` `voicemail`.
    @Test(arguments: [
        (MessageDirection.inbound, "completed", "completed"), (.inbound, "voicemail", "voicemail"),
        (.outbound, "voicemail", "completed"), (.outbound, "completed", "completed"),
    ])
    func callsReportHighLevelsStatuses(_ direction: MessageDirection, callStatus: String, status: String) throws {
        let message = Self.message(.call, direction, status: "completed", body: nil, call: CallDetails(duration: 42, status: callStatus))
        let fields = try Self.fields(MessageWebhookEvent(message: message, webhookId: "w", timestamp: Self.sent))
        #expect(fields["messageType"] == .string("CALL"))
        #expect(fields["callStatus"] == .string(callStatus))
        #expect(fields["status"] == .string(status))
        #expect(fields["callDuration"] == .number(42))
        #expect(fields["body"] == nil)
    }

    @Test func aMessageWithoutCallFieldsHasNoCallFields() throws {
        let fields = try Self.fields(MessageWebhookEvent(message: Self.message(.email, .outbound), webhookId: "w", timestamp: Self.sent))
        #expect(fields["callDuration"] == nil && fields["callStatus"] == nil)
        #expect(fields["messageType"] == .string("Email"))
    }

    /// §9.2's email variant: the email record's fields after the message's, in HighLevel's order; an email without a
    /// record (imported) has its id only.
    @Test func anEmailCarriesItsRecordsFields() {
        var message = Self.message(.email, .outbound)
        message.contentType = "text/html"
        message.emailMessageIds = ["emlFFFFFFFFFFFFFFFFF"]
        let email = EmailRecord(
            id: "emlFFFFFFFFFFFFFFFFF", locationId: message.locationId, conversationId: message.conversationId,
            messageId: message.id, threadId: "emlGGGGGGGGGGGGGGGGG",
            headers: EmailHeaders(
                subject: "Re: Quote", from: "Sales <sales@example.com>", to: ["ada@example.com"], cc: ["c@example.com"],
                provider: EmailHeaders.switchboardProvider))
        let event = MessageWebhookEvent(message: message, webhookId: "wh-3", timestamp: Self.sent, email: email)
        #expect(String(decoding: event.jsonBytes(), as: UTF8.self) == """
            {"type":"OutboundMessage","locationId":"locCCCCCCCCCCCCCCCCC","attachments":[],"body":"Hi there",\
            "contactId":"contDDDDDDDDDDDDDDDD","contentType":"text/html","conversationId":"convBBBBBBBBBBBBBBBB",\
            "dateAdded":"2026-02-26T15:40:14.307Z","direction":"outbound","messageType":"Email","messageTypeId":3,\
            "messageTypeString":"TYPE_EMAIL","status":"delivered","messageId":"msgAAAAAAAAAAAAAAAAA",\
            "userId":"userEEEEEEEEEEEEEEEE","source":"app","emailMessageId":"emlFFFFFFFFFFFFFFFFF",\
            "threadId":"emlGGGGGGGGGGGGGGGGG","provider":"switchboard","from":"Sales <sales@example.com>",\
            "to":["ada@example.com"],"cc":["c@example.com"],"bcc":[],"subject":"Re: Quote","webhookId":"wh-3",\
            "timestamp":"2026-02-26T15:40:14.307Z"}
            """)
        let imported = MessageWebhookEvent(message: message, webhookId: "wh-4", timestamp: Self.sent)
        let fields = (try? Self.fields(imported)) ?? [:]
        #expect(fields["emailMessageId"] == .string("emlFFFFFFFFFFFFFFFFF"))
        #expect(fields["threadId"] == nil && fields["from"] == nil && fields["subject"] == nil)
    }

    /// The labels HighLevel documents for its channels, and a label for every type.
    @Test func webhookLabels() {
        let documented: [(MessageType, String)] = [
            (.sms, "SMS"), (.call, "CALL"), (.email, "Email"), (.campaignVoicemail, "VoiceMail"), (.whatsapp, "WhatsApp"),
            (.facebook, "Facebook"), (.instagram, "Instagram"), (.gmb, "GMB"), (.liveChat, "Live Chat"),
            (.instagramComment, "Instagram Comment"),
        ]
        for (type, label) in documented { #expect(type.webhookLabel == label, "\(type)") }
        for type in MessageType.allCases { #expect(!type.webhookLabel.isEmpty && !type.webhookLabel.hasPrefix("TYPE_"), "\(type)") }
    }
}
