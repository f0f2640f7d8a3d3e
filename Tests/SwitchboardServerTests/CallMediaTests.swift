import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Calls' attachments and transcriptions (issue 17) over a real socket on both backends:
/// `PUT /conversations/messages/{id}/attachments`, `GET …/locations/{locationId}/messages/{id}/transcription` and its
/// plain-text download.
@Suite struct CallMediaTests {
    private func withCalls(
        _ backend: Backend,
        _ body: @Sendable @escaping (any ConversationStore, Tenant, ConversationID, ContactID, any TestClientProtocol)
            async throws -> Void
    ) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, contact) = try await store.makeConversation(tenant)
            try await makeApplication(store: store).test(.live) { client in
                try await body(store, tenant, conversation, contact, client)
            }
        }
    }

    private static let sentences = #"""
        [{"mediaChannel":2,"sentenceIndex":1,"startTime":3.5,"endTime":5.25,"transcript":"Tuesday at three works.","confidence":0.87},
         {"mediaChannel":1,"sentenceIndex":0,"startTime":0,"endTime":3.2,"transcript":"Hi, can we \"meet\"?","confidence":0.95}]
        """#

    @Test(arguments: Backend.allCases)
    func aCallsTranscriptionIsServedAsJSONAndAsText(_ backend: Backend) async throws {
        try await withCalls(backend) { store, tenant, conversation, contact, client in
            let call = try await client.send(
                .post, "/conversations/messages/outbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","call":{"status":"completed","duration":6},"transcription":\#(Self.sentences)}"#)
            #expect(call.status == .created)
            let id = try #require(try call.json()["messageId"] as? String)
            let path = "/conversations/locations/\(tenant.location)/messages/\(id)/transcription"

            let read = try await client.get(path, headers: tenant.headers)
            #expect(read.status == .ok)
            #expect(read.headers[.contentType] == "application/json; charset=utf-8")
            #expect(String(buffer: read.body) == """
                [{"mediaChannel":1,"sentenceIndex":0,"startTime":0.0,"endTime":3.2,"transcript":"Hi, can we \\"meet\\"?",\
                "confidence":0.95},{"mediaChannel":2,"sentenceIndex":1,"startTime":3.5,"endTime":5.25,\
                "transcript":"Tuesday at three works.","confidence":0.87}]
                """)
            let download = try await client.get(path + "/download", headers: tenant.headers)
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"transcription-\(id).txt\"")
            #expect(String(buffer: download.body) == """
                [00:00:00.000 - 00:00:03.200] Channel 1: Hi, can we "meet"?
                [00:00:03.500 - 00:00:05.250] Channel 2: Tuesday at three works.

                """)

            // A call without one, an unknown message, another location's message and another location in the path.
            let plain = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","contactId":"\#(contact)","call":{"status":"completed"}}"#)
            let plainId = try #require(try plain.json()["messageId"] as? String)
            let none = try await client.get(
                "/conversations/locations/\(tenant.location)/messages/\(plainId)/transcription", headers: tenant.headers)
            #expect(none.status == .notFound)
            #expect(try none.errorBody() == HighLevelErrorBody(statusCode: 404, message: "Transcription not found"))
            let unknown = try await client.get(
                "/conversations/locations/\(tenant.location)/messages/NoSuchMessage0000000/transcription/download",
                headers: tenant.headers)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 404, message: "Message not found"))
            let forbidden = HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location.")
            let other = try await store.makeTenant()
            let elsewhere = try await client.get(
                "/conversations/locations/\(other.location)/messages/\(id)/transcription", headers: tenant.headers)
            #expect(try elsewhere.errorBody() == forbidden)
            let (theirConversation, _) = try await store.makeConversation(other)
            let theirs = try await client.send(
                .post, "/conversations/messages/outbound", headers: other.headers,
                json: #"{"type":"Call","conversationId":"\#(theirConversation)","transcription":[]}"#)
            let theirId = try #require(try theirs.json()["messageId"] as? String)
            let foreign = try await client.get(
                "/conversations/locations/\(tenant.location)/messages/\(theirId)/transcription", headers: tenant.headers)
            #expect(try foreign.errorBody() == forbidden)

            // A transcription goes with its conversation.
            _ = try await client.execute(uri: "/conversations/\(conversation)", method: .delete, headers: tenant.headers)
            #expect(try await store.transcription(of: MessageID(rawValue: id), in: tenant.location, logger: .test) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func transcriptionsAreCheckedLikeEveryOtherField(_ backend: Backend) async throws {
        try await withCalls(backend) { store, tenant, conversation, contact, client in
            let bad = try await client.send(
                .post, "/conversations/messages/outbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","transcription":[{"mediaChannel":-1,"startTime":5,"endTime":2,"transcript":"x","confidence":2},"no"]}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try bad.errorBody() == .validation("each value in transcription must be an object"))
            let fields = try await client.send(
                .post, "/conversations/messages/outbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","transcription":[{"mediaChannel":-1,"startTime":5,"endTime":2,"transcript":"x","confidence":2}]}"#)
            #expect(try fields.errorBody() == .validation(
                "transcription.0.mediaChannel must not be less than 0", "transcription.0.confidence must be a number from 0 to 1",
                "transcription.0.sentenceIndex should not be empty", "transcription.0.endTime must not be less than startTime"))
            let sms = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"hi","transcription":[]}"#)
            #expect(try sms.errorBody() == .validation("transcription is for calls only"))
            // Nothing was stored by the refused writes.
            let page = try await client.get("/conversations/\(conversation)/messages", headers: tenant.headers)
            #expect(try page.page().messages.messages.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func attachmentsAreReplacedOnExternalCallsOnly(_ backend: Backend) async throws {
        try await withCalls(backend) { store, tenant, conversation, contact, client in
            let call = try await client.send(
                .post, "/conversations/messages/outbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","attachments":["https://files.example.com/old.wav"]}"#)
            let id = try #require(try call.json()["messageId"] as? String)
            func put(_ message: String, _ json: String) async throws -> TestResponse {
                try await client.send(.put, "/conversations/messages/\(message)/attachments", headers: tenant.headers, json: json)
            }
            let replaced = try await put(id, #"{"attachments":["https://files.example.com/a.wav","http://files.example.com/b.mp3"]}"#)
            #expect(replaced.status == .ok)
            #expect(NSDictionary(dictionary: try replaced.json()) == [
                "success": true, "messageId": id,
                "attachments": ["https://files.example.com/a.wav", "http://files.example.com/b.mp3"],
            ] as NSDictionary)
            let stored = try #require(try await store.message(MessageID(rawValue: id), in: tenant.location, logger: .test))
            #expect(stored.attachments == ["https://files.example.com/a.wav", "http://files.example.com/b.mp3"])

            let tooMany = try await put(id, #"{"attachments":["https://a.example/1","https://a.example/2","https://a.example/3","https://a.example/4","https://a.example/5","https://a.example/6"]}"#)
            #expect(try tooMany.errorBody() == .validation("attachments must contain no more than 5 elements"))
            let notURLs = try await put(id, #"{"attachments":["file:///etc/passwd"]}"#)
            #expect(try notURLs.errorBody() == .validation("each value in attachments must be a URL address"))
            let missing = try await put(id, "{}")
            #expect(try missing.errorBody() == .validation("attachments should not be empty"))

            // Not a call, a call that is not external, an unknown message, another location's.
            let sms = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"hi"}"#)
            let smsId = try #require(try sms.json()["messageId"] as? String)
            let notCall = try await put(smsId, #"{"attachments":[]}"#)
            #expect(notCall.status == .forbidden)
            #expect(try notCall.errorBody() == HighLevelErrorBody(
                statusCode: 403, message: "Attachments can be added to external calls only", error: "Forbidden"))
            let (_, seeded) = try await seedConversation(store, tenant: tenant, count: 1)
            var imported = seeded[0]
            imported.id = .generate()
            imported.messageType = .call
            imported.source = "app"
            try await store.insertMessages([imported], logger: .test)
            #expect(try await put(imported.id.rawValue, #"{"attachments":[]}"#).status == .forbidden)
            let unknown = try await put("NoSuchMessage0000000", #"{"attachments":[]}"#)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 404, message: "Message not found"))
            let other = try await store.makeTenant()
            let (_, theirs) = try await seedConversation(store, tenant: other, count: 1)
            let foreign = try await put(theirs[0].id.rawValue, #"{"attachments":[]}"#)
            #expect(try foreign.errorBody() == HighLevelErrorBody(
                statusCode: 403, message: "The token does not have access to this location."))
        }
    }
}
