import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Emails by their own ids (issue 17): `GET /conversations/messages/email/{id}`, `DELETE …/email/{id}/schedule`
/// and v3's `PUT …/email/{id}/status`, over a real socket on both backends. Every email sent or received gets an
/// email message id of its own; replies share the first email's thread.
@Suite struct EmailTests {
    /// The real application on a loopback port, its clock fixed at the test epoch.
    private func withEmailApp(
        _ backend: Backend,
        _ body: @Sendable @escaping (any ConversationStore, Tenant, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await makeApplication(store: store, configure: { $0.now = { testEpoch } }).test(.live) { client in
                try await body(store, tenant, client)
            }
        }
    }

    private static let epochText = "2026-01-01T00:00:00.000Z"

    @Test(arguments: Backend.allCases)
    func aSentEmailReadsBackByItsIdAndRepliesShareItsThread(_ backend: Backend) async throws {
        try await withEmailApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
            let sent = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"""
                    {"type":"Email","contactId":"\#(contact.id)","subject":"Quote","html":"<p>Hi</p>",
                     "emailFrom":"Sales <sales@example.com>","emailCc":["cc@example.com"],"emailBcc":["bcc@example.com"],
                     "attachments":["https://files.example.com/q.pdf"]}
                    """#)
            #expect(sent.status == .created)
            let answer = try sent.json()
            let first = try #require(answer["emailMessageId"] as? String)
            let messageId = try #require(answer["messageId"] as? String)
            let conversation = try #require(answer["conversationId"] as? String)
            #expect(answer["threadId"] as? String == first)
            #expect(first != messageId)

            let read = try await client.get("/conversations/messages/email/\(first)", headers: tenant.headers)
            #expect(read.status == .ok)
            let expected: [String: Any] = [
                "emailMessage": [
                    "id": first, "threadId": first, "locationId": tenant.location.rawValue,
                    "contactId": contact.id.rawValue, "conversationId": conversation, "messageId": messageId,
                    "dateAdded": Self.epochText, "subject": "Quote", "body": "<p>Hi</p>", "direction": "outbound",
                    "status": "delivered", "contentType": "text/html", "attachments": ["https://files.example.com/q.pdf"],
                    "provider": "switchboard", "from": "Sales <sales@example.com>", "to": ["ada@example.com"],
                    "cc": ["cc@example.com"], "bcc": ["bcc@example.com"], "source": "api", "events": [String: Any](),
                    "recipients": [Any](),
                ] as [String: Any]
            ]
            #expect(NSDictionary(dictionary: try read.json()) == NSDictionary(dictionary: expected))

            // The message carries the email's id in meta.email.messageIds.
            let message = try await client.get("/conversations/messages/\(messageId)", headers: tenant.headers)
            let meta = (try message.json()["message"] as? [String: Any])?["meta"] as? [String: Any]
            #expect(NSDictionary(dictionary: try #require(meta)) == ["email": ["messageIds": [first]]] as NSDictionary)

            // An inbound reply naming the first email gets its own id in the first email's thread.
            let reply = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"""
                    {"type":"Email","conversationId":"\#(conversation)","contactId":"\#(contact.id)","subject":"Re: Quote",
                     "html":"<p>Yes</p>","emailMessageId":"\#(first)","emailFrom":"Ada <ada@example.com>",
                     "emailTo":"sales@example.com"}
                    """#)
            #expect(reply.status == .created)
            let second = try #require(try reply.json()["emailMessageId"] as? String)
            #expect(second != first)
            let readReply = try #require(
                try await client.get("/conversations/messages/email/\(second)", headers: tenant.headers)
                    .json()["emailMessage"] as? [String: Any])
            #expect(readReply["threadId"] as? String == first)
            #expect(readReply["replyToMessageId"] as? String == first)
            #expect(readReply["direction"] as? String == "inbound")
            #expect(readReply["from"] as? String == "Ada <ada@example.com>")
            #expect(readReply["to"] as? [String] == ["sales@example.com"])
            #expect(readReply["subject"] as? String == "Re: Quote")

            // A send naming the thread continues it; one naming no thread, or an unknown one, starts its own.
            let followUp = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"""
                    {"type":"Email","contactId":"\#(contact.id)","subject":"Re: Quote","html":"<p>Booked</p>",
                     "threadId":"\#(first)","emailReplyMode":"reply"}
                    """#)
            let followUpAnswer = try followUp.json()
            #expect(followUpAnswer["threadId"] as? String == first)
            let third = try #require(followUpAnswer["emailMessageId"] as? String)
            let readThird = try #require(
                try await client.get("/conversations/messages/email/\(third)", headers: tenant.headers)
                    .json()["emailMessage"] as? [String: Any])
            #expect(readThird["threadId"] as? String == first)
            #expect(readThird["from"] as? String == EmailHeaders.defaultFrom)
            let elsewhere = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"Email","contactId":"\#(contact.id)","html":"x","threadId":"NoSuchThread00000000"}"#)
            let fresh = try elsewhere.json()
            #expect(fresh["threadId"] as? String == fresh["emailMessageId"] as? String)
        }
    }

    @Test(arguments: Backend.allCases)
    func emailIdsAreCheckedAsEveryOtherIdIs(_ backend: Backend) async throws {
        try await withEmailApp(backend) { store, tenant, client in
            let other = try await store.makeTenant()
            let othersContact = try await makeContact(store, tenant: other, email: "bob@example.com")
            let othersEmail = try #require(
                try await client.send(
                    .post, "/conversations/messages", headers: other.headers,
                    json: #"{"type":"Email","contactId":"\#(othersContact.id)","html":"theirs"}"#
                ).json()["emailMessageId"] as? String)
            let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
            let sms = try #require(
                try await client.send(
                    .post, "/conversations/messages", headers: tenant.headers,
                    json: #"{"type":"SMS","contactId":"\#(contact.id)","message":"not an email"}"#
                ).json()["messageId"] as? String)
            let status = #"{"status":"delivered"}"#

            let forbidden = HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location.")
            let read = try await client.get("/conversations/messages/email/\(othersEmail)", headers: tenant.headers)
            #expect(read.status == .forbidden)
            #expect(try read.errorBody() == forbidden)
            let report = try await client.send(
                .put, "/conversations/messages/email/\(othersEmail)/status", headers: tenant.headers, json: status)
            #expect(report.status == .forbidden)
            #expect(try report.errorBody() == forbidden)
            let cancel = try await client.execute(
                uri: "/conversations/messages/email/\(othersEmail)/schedule", method: .delete, headers: tenant.headers)
            #expect(cancel.status == .forbidden)
            #expect(try cancel.errorBody() == forbidden)

            // Unknown ids, and a message's id where an email's belongs, are not found.
            let notFound = HighLevelErrorBody(statusCode: 404, message: "Email message not found")
            for id in ["NoSuchEmail000000000", sms] {
                let unknown = try await client.get("/conversations/messages/email/\(id)", headers: tenant.headers)
                #expect(unknown.status == .notFound)
                #expect(try unknown.errorBody() == notFound)
                let unknownReport = try await client.send(
                    .put, "/conversations/messages/email/\(id)/status", headers: tenant.headers, json: status)
                #expect(unknownReport.status == .notFound)
                #expect(try unknownReport.errorBody() == notFound)
                let unknownCancel = try await client.execute(
                    uri: "/conversations/messages/email/\(id)/schedule", method: .delete, headers: tenant.headers)
                #expect(unknownCancel.status == .ok)
                #expect(NSDictionary(dictionary: try unknownCancel.json())
                    == ["status": 404, "message": "Failed cancel the scheduled email"] as NSDictionary)
            }
            let tooLong = String(repeating: "x", count: 200)
            let long = try await client.get("/conversations/messages/email/\(tooLong)", headers: tenant.headers)
            #expect(long.status == .notFound)
            #expect(try long.errorBody() == notFound)

            // Scopes: reading takes message.readonly, the writes message.write.
            let scope = HighLevelErrorBody(statusCode: 401, message: "The token is not authorized for this scope.")
            let readOnly = try await store.makeToken(for: tenant.location, scopes: [.messagesReadonly])
            let writeOnly = try await store.makeToken(for: tenant.location, scopes: [.messagesWrite])
            func headers(_ token: String) -> HTTPFields {
                [.authorization: "Bearer \(token)", .version: "2021-04-15", .accept: "application/json"]
            }
            let noRead = try await client.get("/conversations/messages/email/\(othersEmail)", headers: headers(writeOnly))
            #expect(noRead.status == .unauthorized)
            #expect(try noRead.errorBody() == scope)
            let noWrite = try await client.send(
                .put, "/conversations/messages/email/\(othersEmail)/status", headers: headers(readOnly), json: status)
            #expect(noWrite.status == .unauthorized)
            #expect(try noWrite.errorBody() == scope)
            let noCancel = try await client.execute(
                uri: "/conversations/messages/email/\(othersEmail)/schedule", method: .delete, headers: headers(readOnly))
            #expect(noCancel.status == .unauthorized)
            #expect(try noCancel.errorBody() == scope)
        }
    }

    @Test(arguments: Backend.allCases)
    func aScheduledEmailIsCancelledByItsEmailId(_ backend: Backend) async throws {
        try await withEmailApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
            let scheduled = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"Email","contactId":"\#(contact.id)","html":"Later","scheduledTimestamp":1893456000}"#)
            let answer = try scheduled.json()
            #expect(answer["msg"] as? String == "Email scheduled successfully.")
            let email = try #require(answer["emailMessageId"] as? String)
            let before = try await client.get("/conversations/messages/email/\(email)", headers: tenant.headers)
            #expect((try before.json()["emailMessage"] as? [String: Any])?["status"] as? String == "scheduled")

            let cancel = try await client.execute(
                uri: "/conversations/messages/email/\(email)/schedule", method: .delete, headers: tenant.headers)
            #expect(cancel.status == .ok)
            #expect(NSDictionary(dictionary: try cancel.json())
                == ["status": 200, "message": "Scheduled email cancelled successfully"] as NSDictionary)
            let after = try await client.get("/conversations/messages/email/\(email)", headers: tenant.headers)
            #expect((try after.json()["emailMessage"] as? [String: Any])?["status"] as? String == "cancelled")
            let again = try await client.execute(
                uri: "/conversations/messages/email/\(email)/schedule", method: .delete, headers: tenant.headers)
            #expect(NSDictionary(dictionary: try again.json())
                == ["status": 404, "message": "Failed cancel the scheduled email"] as NSDictionary)
        }
    }

    @Test(arguments: Backend.allCases)
    func aProvidersReportSetsTheStatusMergesEventsAndUpsertsRecipients(_ backend: Backend) async throws {
        try await withEmailApp(backend) { store, tenant, client in
            _ = try await WebhookSetup.addProvider(
                store, location: tenant.location, name: "Acme mail", channel: .email,
                deliveryURL: "http://127.0.0.1:9/mail", isDefault: true, now: testEpoch, logger: .test)
            let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
            let sent = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"Email","contactId":"\#(contact.id)","html":"<p>Hi</p>","subject":"Hello"}"#)
            let email = try #require(try sent.json()["emailMessageId"] as? String)
            func report(_ json: String) async throws -> TestResponse {
                try await client.send(.put, "/conversations/messages/email/\(email)/status", headers: tenant.headers, json: json)
            }
            func read() async throws -> [String: Any] {
                try #require(
                    try await client.get("/conversations/messages/email/\(email)", headers: tenant.headers)
                        .json()["emailMessage"] as? [String: Any])
            }
            #expect(try await read()["provider"] as? String == "custom")
            #expect(try await read()["status"] as? String == "pending")

            let first = try await report(
                #"{"status":"delivered","events":{"accepted":1},"recipients":[{"emailId":"ada@example.com","status":"delivered"}]}"#)
            #expect(first.status == .ok)
            #expect(NSDictionary(dictionary: try first.json())
                == ["success": true, "message": "Updated email message successfully"] as NSDictionary)
            // A click implies the opening and the delivery; counters given are set, the rest kept (a zero too).
            let second = try await report(
                #"{"status":"clicked","events":{"clicked":3,"accepted":0},"recipients":[{"emailId":"ada@example.com","status":"clicked"},{"emailId":"cc@example.com","status":"failed","failReason":"mailbox full"}]}"#)
            #expect(second.status == .ok)
            let after = try await read()
            #expect(after["status"] as? String == "clicked")
            #expect(NSDictionary(dictionary: try #require(after["events"] as? [String: Any]))
                == ["accepted": 1, "delivered": 1, "opened": 1, "clicked": 3] as NSDictionary)
            #expect(NSArray(array: try #require(after["recipients"] as? [Any])) == [
                ["emailId": "ada@example.com", "status": "clicked"],
                ["emailId": "cc@example.com", "status": "failed", "failReason": "mailbox full"],
            ] as NSArray)

            // The body is checked before the email is looked up, every violation at once.
            let bad = try await report(#"{"status":"bounced","events":{"opened":-1},"recipients":[{"status":"x"},7]}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try bad.errorBody() == .validation(
                "status must be one of the following values: pending, scheduled, sent, delivered, read, undelivered, connected, failed, opened, clicked",
                "events.opened must not be less than 0", "each value in recipients must be an object"))
            let badRecipient = try await report(#"{"status":"sent","recipients":[{"status":"x"}]}"#)
            #expect(try badRecipient.errorBody() == .validation("recipients.0.emailId should not be empty"))
            #expect(try await read()["status"] as? String == "clicked")

            // An email HighLevel (here, Switchboard) sent itself is not the caller's to report on.
            try await store.reset(.data, logger: .test)
            let own = try await makeContact(store, tenant: tenant, email: "own@example.com")
            let inbound = try await client.send(
                .post, "/conversations/", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","contactId":"\#(own.id)"}"#)
            let conversation = try #require((try inbound.json()["conversation"] as? [String: Any])?["id"] as? String)
            let received = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"Email","conversationId":"\#(conversation)","contactId":"\#(own.id)","html":"hello"}"#)
            let receivedId = try #require(try received.json()["emailMessageId"] as? String)
            let refused = try await client.send(
                .put, "/conversations/messages/email/\(receivedId)/status", headers: tenant.headers,
                json: #"{"status":"read"}"#)
            #expect(refused.status == .forbidden)
            #expect(try refused.errorBody() == HighLevelErrorBody(
                statusCode: 403,
                message: "Only the conversation provider that sent an email can update its status; this email has none",
                error: "Forbidden"))
        }
    }

    /// Issue 16's email variant: an email's InboundMessage/OutboundMessage webhooks carry its record's fields, from
    /// the send (written by the controller), a provider's report (written inside the store) and an inbound reply.
    @Test(arguments: Backend.allCases)
    func emailWebhooksCarryTheEmailsFields(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { port in
            try await withStore(backend) { store in
                let tenant = try await store.makeTenant()
                try await store.subscribe(tenant, id: "sub-messages", url: "http://127.0.0.1:\(port)/hook")
                _ = try await WebhookSetup.addProvider(
                    store, location: tenant.location, name: "Acme mail", channel: .email,
                    deliveryURL: "http://127.0.0.1:\(port)/mail", isDefault: true, now: .now(), logger: .test)
                let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
                try await makeApplication(store: store, configure: {
                    $0.now = Timestamp.now
                    $0.webhooks.enabled = true
                    $0.webhooks.pollInterval = .milliseconds(50)
                }).test(.live) { client in
                    let sent = try await client.send(
                        .post, "/conversations/messages", headers: tenant.headers,
                        json: #"""
                            {"type":"Email","contactId":"\#(contact.id)","subject":"Quote","html":"<p>Hi</p>",
                             "emailFrom":"Sales <sales@example.com>","emailCc":["cc@example.com"]}
                            """#).json()
                    let email = try #require(sent["emailMessageId"] as? String)
                    let conversation = try #require(sent["conversationId"] as? String)
                    let report = try await client.send(
                        .put, "/conversations/messages/email/\(email)/status", headers: tenant.headers,
                        json: #"{"status":"delivered"}"#)
                    #expect(report.status == .ok)
                    let reply = try await client.send(
                        .post, "/conversations/messages/inbound", headers: tenant.headers,
                        json: #"""
                            {"type":"Email","conversationId":"\#(conversation)","contactId":"\#(contact.id)",
                             "subject":"Re: Quote","html":"<p>Yes</p>","emailMessageId":"\#(email)",
                             "emailFrom":"ada@example.com","emailTo":"sales@example.com"}
                            """#).json()
                    let replyId = try #require(reply["emailMessageId"] as? String)

                    let deliveries = try await receiver.waitFor(3, to: "/hook")
                    #expect(deliveries.count == 3)
                    let bodies = deliveries.compactMap(\.json).sorted { ($0["status"] as? String ?? "") > ($1["status"] as? String ?? "") }
                    func emailFields(_ body: [String: Any]) -> NSDictionary {
                        NSDictionary(dictionary: body.filter {
                            ["type", "status", "emailMessageId", "threadId", "provider", "from", "to", "cc", "bcc", "subject"]
                                .contains($0.key)
                        })
                    }
                    let expected: [NSDictionary] = [
                        [
                            "type": "OutboundMessage", "status": "pending", "emailMessageId": email, "threadId": email,
                            "provider": "custom", "from": "Sales <sales@example.com>", "to": ["ada@example.com"],
                            "cc": ["cc@example.com"], "bcc": [String](), "subject": "Quote",
                        ],
                        [
                            "type": "OutboundMessage", "status": "delivered", "emailMessageId": email, "threadId": email,
                            "provider": "custom", "from": "Sales <sales@example.com>", "to": ["ada@example.com"],
                            "cc": ["cc@example.com"], "bcc": [String](), "subject": "Quote",
                        ],
                        [
                            "type": "InboundMessage", "status": "delivered", "emailMessageId": replyId, "threadId": email,
                            "provider": "switchboard", "from": "ada@example.com", "to": ["sales@example.com"],
                            "cc": [String](), "bcc": [String](), "subject": "Re: Quote",
                        ],
                    ]
                    let actual = bodies.map(emailFields)
                    for item in expected { #expect(actual.contains(item), "\(item) not in \(actual)") }
                }
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func anEmailGoesWithItsConversation(_ backend: Backend) async throws {
        try await withEmailApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
            let sent = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"Email","contactId":"\#(contact.id)","html":"<p>Hi</p>"}"#).json()
            let email = try #require(sent["emailMessageId"] as? String)
            let conversation = try #require(sent["conversationId"] as? String)
            let deleted = try await client.execute(
                uri: "/conversations/\(conversation)", method: .delete, headers: tenant.headers)
            #expect(deleted.status == .ok)
            let gone = try await client.get("/conversations/messages/email/\(email)", headers: tenant.headers)
            #expect(gone.status == .notFound)
            #expect(try await store.locationOfEmail(email, logger: .test) == nil)
        }
    }
}
