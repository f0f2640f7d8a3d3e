import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Send, inbound, outbound, status, scheduled cancel, export (issue 3).
@Suite struct MessageWritesTests {
    @Test(arguments: Backend.allCases)
    func sendCreatesTheConversationAndAnswers201(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant, phone: "+15550100")
            let response = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"SMS","contactId":"\#(contact.id)","message":"Hi there"}"#)
            #expect(response.status == .created)
            let body = try response.json()
            #expect(Set(body.keys) == ["conversationId", "messageId"])
            let conversationId = ConversationID(rawValue: try #require(body["conversationId"] as? String))
            let messageId = MessageID(rawValue: try #require(body["messageId"] as? String))
            let stored = try #require(try await store.message(messageId, in: tenant.location, logger: .test))
            #expect(stored.messageType == .sms)
            #expect(stored.direction == .outbound)
            #expect(stored.status == "delivered")
            #expect(stored.body == "Hi there")
            #expect(stored.source == "api")
            #expect(stored.dateAdded == testEpoch)
            #expect(stored.conversationId == conversationId)
            // A second send reuses the conversation, and outbound messages do not count as unread.
            let again = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"WhatsApp","contactId":"\#(contact.id)","message":"And again"}"#)
            #expect(try again.json()["conversationId"] as? String == conversationId.rawValue)
            let conversation = try #require(try await store.conversation(conversationId, in: tenant.location, logger: .test))
            #expect(conversation.unreadCount == 0)
            #expect(conversation.lastMessageType == .whatsapp)
        }
    }

    @Test(arguments: Backend.allCases)
    func sendEmailAndScheduled(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant, email: "a@example.com")
            let email = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"Email","contactId":"\#(contact.id)","subject":"Quote","html":"<p>Hi</p>"}"#)
            #expect(email.status == .created)
            let body = try email.json()
            #expect(Set(body.keys) == ["conversationId", "messageId", "emailMessageId", "threadId", "msg"])
            let emailId = MessageID(rawValue: try #require(body["messageId"] as? String))
            let stored = try #require(try await store.message(emailId, in: tenant.location, logger: .test))
            #expect(stored.messageType == .email)
            #expect(stored.contentType == "text/html")
            #expect(stored.emailMessageIds == [try #require(body["emailMessageId"] as? String)])

            let scheduled = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"SMS","contactId":"\#(contact.id)","message":"Later","scheduledTimestamp":1893456000}"#)
            let messageId = try #require(try scheduled.json()["messageId"] as? String)
            #expect(try await store.message(MessageID(rawValue: messageId), in: tenant.location, logger: .test)?.status == "scheduled")
            let cancel = try await client.execute(
                uri: "/conversations/messages/\(messageId)/schedule", method: .delete, headers: tenant.headers)
            #expect(cancel.status == .ok)
            #expect(NSDictionary(dictionary: try cancel.json())
                    == ["status": 200, "message": "Scheduled message cancelled successfully"] as NSDictionary)
            #expect(try await store.message(MessageID(rawValue: messageId), in: tenant.location, logger: .test)?.status == "cancelled")
            let twice = try await client.execute(
                uri: "/conversations/messages/\(messageId)/schedule", method: .delete, headers: tenant.headers)
            #expect(NSDictionary(dictionary: try twice.json())
                    == ["status": 404, "message": "Failed cancel the scheduled message"] as NSDictionary)
        }
    }

    @Test(arguments: Backend.allCases)
    func sendValidatesEveryField(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let invalid = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"Fax","attachments":"x","status":"sent","scheduledTimestamp":"soon"}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(try invalid.errorBody() == .validation(
                "type must be one of the following values: SMS, RCS, Email, WhatsApp, IG, FB, Custom, Live_Chat, TIKTOK",
                "contactId should not be empty", "attachments must be an array",
                "status must be one of the following values: delivered, failed, pending, read",
                "scheduledTimestamp must be a number conforming to the specified constraints"))
            let contact = try await makeContact(store, tenant: tenant)
            let empty = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers, json: #"{"type":"SMS","contactId":"\#(contact.id)"}"#)
            #expect(try empty.errorBody() == .validation("message should not be empty"))
            let unknown = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"SMS","contactId":"Ghost","message":"hi"}"#)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Contact with id Ghost not found"))
            let export = try await store.exportMessages(
                MessageExportQuery(locationId: tenant.location), logger: .test)
            #expect(export.total == 0)
        }
    }

    /// Every documented inbound `type`, stored as its `messageType` (issue 3's table).
    @Test(arguments: Backend.allCases, [
        ("SMS", "TYPE_SMS"), ("RCS", "TYPE_RCS"), ("Email", "TYPE_EMAIL"), ("WhatsApp", "TYPE_WHATSAPP"),
        ("GMB", "TYPE_GMB"), ("IG", "TYPE_INSTAGRAM"), ("FB", "TYPE_FACEBOOK"), ("Custom", "TYPE_CUSTOM_PROVIDER_SMS"),
        ("WebChat", "TYPE_WEBCHAT"), ("Live_Chat", "TYPE_LIVE_CHAT"), ("Call", "TYPE_CALL"),
        ("IVR_Call", "TYPE_IVR_CALL"), ("Campaign_Call", "TYPE_CAMPAIGN_CALL"),
        ("Campaign_VoiceMail", "TYPE_CAMPAIGN_VOICEMAIL"), ("TIKTOK", "TYPE_TIKTOK"), ("ALL_IN_ONE_CHAT", "TYPE_LIVE_CHAT"),
        ("FORM_SUBMISSION", "TYPE_FORM_SUBMISSION"),
    ])
    func inboundStoresEveryTypeAsItsMessageType(_ backend: Backend, _ types: (String, String)) async throws {
        let (type, messageType) = types
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 0)
            let contact = ContactID.generate()
            try await store.createConversation(
                Conversation(id: conversation, locationId: tenant.location, contactId: contact, dateAdded: testEpoch),
                logger: .test)
            let response = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"\#(type)","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"hi","conversationProviderId":"61d6d1f9cdac7612faf80753","date":"2024-03-27T18:13:49.123Z","altId":"ext-1"}"#)
            #expect(response.status == .created)
            let body = try response.json()
            #expect(body["success"] as? Bool == true)
            #expect(body["conversationId"] as? String == conversation.rawValue)
            #expect(body["contactId"] as? String == contact.rawValue)
            #expect(body["dateAdded"] as? String == "2024-03-27T18:13:49.123Z")
            #expect(body["message"] as? String == "Message added successfully")
            let id = MessageID(rawValue: try #require(body["messageId"] as? String))
            let stored = try #require(try await store.message(id, in: tenant.location, logger: .test))
            #expect(stored.messageType.rawValue == messageType)
            #expect(stored.direction == .inbound)
            #expect(stored.altId == "ext-1")
            #expect(stored.conversationProviderId == "61d6d1f9cdac7612faf80753")
            #expect(stored.dateAdded.iso8601 == "2024-03-27T18:13:49.123Z")
            #expect(try await store.conversation(conversation, in: tenant.location, logger: .test)?.unreadCount == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func inboundCustomWithSubjectIsAnEmailAndCallsKeepTheirDetails(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant)
            let created = try await client.send(
                .post, "/conversations/", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","contactId":"\#(contact.id)"}"#)
            let conversation = try #require((try created.json()["conversation"] as? [String: Any])?["id"] as? String)
            let custom = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"Custom","conversationId":"\#(conversation)","contactId":"\#(contact.id)","subject":"S","html":"<b>x</b>","emailMessageId":"thread-1"}"#)
            let customId = MessageID(rawValue: try #require(try custom.json()["messageId"] as? String))
            let email = try #require(try await store.message(customId, in: tenant.location, logger: .test))
            #expect(email.messageType == .customProviderEmail)
            // Its own email id: `emailMessageId` names the email it answers (unknown here, so a thread of its own).
            let emailId = try #require(try custom.json()["emailMessageId"] as? String)
            #expect(email.emailMessageIds == [emailId])
            #expect(emailId != "thread-1")
            let record = try #require(try await store.email(emailId, in: tenant.location, logger: .test))
            #expect(record.threadId == emailId)
            #expect(record.headers.replyToMessageId == nil)
            #expect(email.body == "<b>x</b>")
            let call = try await client.send(
                .post, "/conversations/messages/outbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","conversationProviderId":"p","call":{"to":"+1","from":"+2","status":"busy"}}"#)
            #expect(call.status == .created)
            let callId = MessageID(rawValue: try #require(try call.json()["messageId"] as? String))
            let stored = try #require(try await store.message(callId, in: tenant.location, logger: .test))
            #expect(stored.messageType == .call)
            #expect(stored.direction == .outbound)
            #expect(stored.call == CallDetails(duration: nil, status: "busy"))
            #expect(stored.status == "busy")
            let page = try await client.get("/conversations/\(conversation)/messages?limit=1", headers: tenant.headers)
            let wire = try #require((try page.json()["messages"] as? [String: Any])?["messages"] as? [[String: Any]])
            #expect(NSDictionary(dictionary: try #require(wire.first?["meta"] as? [String: Any]))
                    == ["call": ["status": "busy"], "callStatus": "busy"] as NSDictionary)
        }
    }

    @Test(arguments: Backend.allCases)
    func inboundValidatesAndChecksTheConversation(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let missing = try await client.send(.post, "/conversations/messages/inbound", headers: tenant.headers, json: "{}")
            #expect(missing.status == .unprocessableContent)
            let body = try missing.errorBody()
            guard case .list(let messages) = body.message else { Issue.record("expected a list"); return }
            #expect(messages == [
                "type must be one of the following values: SMS, RCS, Email, WhatsApp, GMB, IG, FB, Custom, WebChat, Live_Chat, Call, IVR_Call, Campaign_Call, Campaign_VoiceMail, TIKTOK, ALL_IN_ONE_CHAT, FORM_SUBMISSION",
                "conversationId should not be empty", "contactId should not be empty",
            ])
            let badFields = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"c","contactId":"d","date":"yesterday","direction":"sideways","call":{"status":"ringing"}}"#)
            #expect(try badFields.errorBody() == .validation(
                "date must be a valid ISO 8601 date string",
                "call.status must be one of the following values: pending, completed, answered, busy, no-answer, failed, canceled, voicemail",
                "direction must be one of the following values: inbound, outbound"))
            let unknown = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"NoSuchConversation","contactId":"d","message":"x"}"#)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.errorBody().message == .single("Conversation with id NoSuchConversation not found"))
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let wrongContact = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"someoneElse","message":"x"}"#)
            #expect(wrongContact.status == .badRequest)
            #expect(try wrongContact.errorBody().message == .single("Contact with id someoneElse does not belong to this conversation"))
            let other = try await store.makeTenant()
            let (foreign, _) = try await seedConversation(store, tenant: other, count: 1)
            let forbidden = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"\#(foreign)","contactId":"x","message":"x"}"#)
            #expect(forbidden.status == .forbidden)
            let page = try await store.messagePage(MessagePageQuery(conversationId: conversation, locationId: tenant.location), logger: .test)
            #expect(page.messages.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func statusUpdateChangesStatusOnly(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 1)
            let id = messages[0].id
            let response = try await client.send(
                .put, "/conversations/messages/\(id)/status", headers: tenant.headers, json: #"{"status":"read"}"#)
            #expect(response.status == .ok)
            #expect(NSDictionary(dictionary: try response.json())
                    == ["conversationId": conversation.rawValue, "messageId": id.rawValue, "status": "read"] as NSDictionary)
            #expect(try await store.message(id, in: tenant.location, logger: .test)?.status == "read")
            let invalid = try await client.send(
                .put, "/conversations/messages/\(id)/status", headers: tenant.headers,
                json: #"{"status":"lost","error":{"code":1}}"#)
            #expect(try invalid.errorBody() == .validation(
                "status must be one of the following values: delivered, failed, pending, read",
                "error.code must be a string", "error.type should not be empty", "error.message should not be empty"))
            let unknown = try await client.send(
                .put, "/conversations/messages/NoSuchMessage/status", headers: tenant.headers, json: #"{"status":"read"}"#)
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 404, message: "Message not found"))

            // Another location's message is a 403 (issue 17), for a status and a scheduled cancel alike, and unchanged.
            let other = try await store.makeTenant()
            let (_, theirs) = try await seedConversation(store, tenant: other, count: 1)
            let foreign = try await client.send(
                .put, "/conversations/messages/\(theirs[0].id)/status", headers: tenant.headers, json: #"{"status":"read"}"#)
            #expect(foreign.status == .forbidden)
            #expect(try foreign.errorBody() == HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location."))
            let foreignCancel = try await client.execute(
                uri: "/conversations/messages/\(theirs[0].id)/schedule", method: .delete, headers: tenant.headers)
            #expect(foreignCancel.status == .forbidden)
            #expect(try foreignCancel.errorBody() == HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location."))
            #expect(try await store.message(theirs[0].id, in: other.location, logger: .test)?.status == "delivered")
        }
    }

    @Test(arguments: Backend.allCases)
    func exportPagesThroughALocation(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 25)
            let email = makeMessage(conversation: conversation, location: tenant.location, contact: messages[0].contactId,
                                    type: .email, at: 100_000)
            try await store.insertMessages([email], logger: .test)
            var seen: [String] = []
            var cursor = ""
            var pages = 0
            repeat {
                let response = try await client.get(
                    "/conversations/messages/export?locationId=\(tenant.location)&limit=10&sortOrder=asc\(cursor)",
                    headers: tenant.headers)
                #expect(response.status == .ok)
                let body = try response.json()
                #expect(body["total"] as? Int == 25)  // email is left out unless asked for
                seen += try #require(body["messages"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                pages += 1
                if let next = body["nextCursor"] as? String { cursor = "&cursor=\(next)" } else {
                    #expect(body["nextCursor"] is NSNull)
                    break
                }
            } while pages < 10
            #expect(pages == 3)
            #expect(seen == messages.map(\.id.rawValue))
            let emails = try await client.get(
                "/conversations/messages/export?locationId=\(tenant.location)&channel=Email", headers: tenant.headers)
            #expect(try emails.json()["total"] as? Int == 1)
            let invalid = try await client.get(
                "/conversations/messages/export?limit=5&channel=Fax&sortBy=size", headers: tenant.headers)
            #expect(try invalid.errorBody() == .validation(
                "locationId should not be empty", "limit must not be less than 10",
                "sortBy must be one of the following values: createdAt, updatedAt",
                "channel must be one of the following values: Call, SMS, Email, WhatsApp, Instagram, Facebook"))
            let tooMany = try await client.get(
                "/conversations/messages/export?locationId=\(tenant.location)&limit=501", headers: tenant.headers)
            #expect(try tooMany.errorBody() == .validation("limit must not be greater than 500"))
            let badCursor = try await client.get(
                "/conversations/messages/export?locationId=\(tenant.location)&cursor=zzz", headers: tenant.headers)
            #expect(try badCursor.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Invalid cursor"))
        }
    }
}
