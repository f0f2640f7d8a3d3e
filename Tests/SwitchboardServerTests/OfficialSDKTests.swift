import Foundation
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// HighLevel's official Python SDK (`gohighlevel-api-client`, scripts/sdk/sdk_calls.py) calls operations of a server
/// on a loopback port (issue 17): an email read by id, a provider's status report, a scheduled email's cancel, a
/// call's transcription.
@Suite struct OfficialSDKTests {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/sdk/sdk_calls.py").path

    @Test(arguments: Backend.allCases)
    func theOfficialPythonSDKCallsTheEmailCallFileAndContactOperations(_ backend: Backend) async throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["SWITCHBOARD_WEBHOOK_SDK_PYTHON"].flatMap { $0.isEmpty ? nil : $0 },
            "SWITCHBOARD_WEBHOOK_SDK_PYTHON is not set: run scripts/test.sh, or point it at a Python with gohighlevel-api-client")
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            _ = try await WebhookSetup.addProvider(
                store, location: tenant.location, name: "Acme mail", channel: .email,
                deliveryURL: "http://127.0.0.1:9/mail", isDefault: true, now: testEpoch, logger: .test)
            let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
            try await makeApplication(store: store, configure: { $0.now = { testEpoch } }).test(.live) { client in
                let port = try #require(client.port)
                func send(_ json: String) async throws -> String {
                    let answer = try await client.send(.post, "/conversations/messages", headers: tenant.headers, json: json)
                    return try #require(try answer.json()["emailMessageId"] as? String)
                }
                let email = try await send(#"{"type":"Email","contactId":"\#(contact.id)","html":"<p>Hi</p>","subject":"Hello"}"#)
                let scheduled = try await send(
                    #"{"type":"Email","contactId":"\#(contact.id)","html":"Later","scheduledTimestamp":1893456000}"#)
                let conversation = try #require(
                    try await store.conversation(forContact: contact.id, in: tenant.location, logger: .test)).id
                let call = try await client.send(
                    .post, "/conversations/messages/outbound", headers: tenant.headers,
                    json: #"""
                        {"type":"Call","conversationId":"\#(conversation)","transcription":[
                         {"mediaChannel":1,"sentenceIndex":0,"startTime":0,"endTime":2.5,"transcript":"Hello","confidence":0.9}]}
                        """#)
                let callId = try #require(try call.json()["messageId"] as? String)
                // A call with a recording: an uploaded WAV among its attachments.
                var uploadHeaders = tenant.headers
                uploadHeaders[.contentType] = "multipart/form-data; boundary=B0undary"
                let uploaded = try await client.execute(
                    uri: "/conversations/messages/upload", method: .post, headers: uploadHeaders,
                    body: FilesTests.multipart(
                        fields: [("conversationId", conversation.rawValue), ("contactId", contact.id.rawValue),
                                 ("locationId", tenant.location.rawValue)],
                        files: [("call.wav", FilesTests.bytes(1_000))]))
                let recordingURL = try #require((try uploaded.json()["uploadedFiles"] as? [String: String])?["call.wav"])
                let recorded = try await client.send(
                    .post, "/conversations/messages/outbound", headers: tenant.headers,
                    json: #"{"type":"Call","conversationId":"\#(conversation)","attachments":["\#(recordingURL)"]}"#)
                let recordedId = try #require(try recorded.json()["messageId"] as? String)

                let child = try ChildProcess(
                    [python, Self.script, "http://127.0.0.1:\(port)", tenant.token, email, scheduled,
                     tenant.location.rawValue, callId, recordedId, contact.id.rawValue],
                    environment: ProcessInfo.processInfo.environment, stdout: .pipe, stderr: .pipe)
                async let out = ChildProcess.readToEnd(child.standardOutput)
                async let err = ChildProcess.readToEnd(child.standardError)
                let (stdout, stderr) = await (out, String(decoding: await err, as: UTF8.self))
                #expect(await child.exitStatus() == 0, "\(stderr)")
                // The SDK logs the errors it raises on standard output too: the results are the last line.
                let last = try #require(String(decoding: stdout, as: UTF8.self).split(separator: "\n").last, "\(stderr)")
                var results = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
                // Trace ids differ per request: present, then left out of the comparison.
                // A transcription is a bare array, as HighLevel's document has it.
                #expect(NSArray(array: try #require(results["transcription"] as? [Any])) == [[
                    "mediaChannel": 1, "sentenceIndex": 0, "startTime": 0, "endTime": 2.5, "transcript": "Hello",
                    "confidence": 0.9,
                ]] as NSArray)
                results["transcription"] = nil
                // The SDK reaches the recording route but parses the audio as JSON; its upload sends JSON, which the
                // route refuses as HighLevel's would.
                #expect(results.removeValue(forKey: "recording") as? String == "audio, not JSON")
                for (name, value) in results {
                    guard var answer = value as? [String: Any] else { continue }
                    if var body = answer["body"] as? [String: Any] {
                        #expect(body.removeValue(forKey: "traceId") != nil, "\(name)")
                        answer["body"] = body
                    } else {
                        #expect(answer.removeValue(forKey: "traceId") != nil, "\(name)")
                    }
                    results[name] = answer
                }

                let read = try #require((results["get"] as? [String: Any])?["emailMessage"] as? [String: Any])
                #expect(read["id"] as? String == email)
                #expect(read["subject"] as? String == "Hello")
                #expect(read["status"] as? String == "pending")
                #expect(read["provider"] as? String == "custom")
                #expect(NSDictionary(dictionary: try #require(results["getUnknown"] as? [String: Any])) == [
                    "error": 404, "body": ["statusCode": 404, "message": "Email message not found"],
                ] as NSDictionary)
                #expect(NSDictionary(dictionary: try #require(results["status"] as? [String: Any]))
                    == ["success": true, "message": "Updated email message successfully"] as NSDictionary)
                #expect(NSDictionary(dictionary: try #require(results["cancel"] as? [String: Any]))
                    == ["status": 200, "message": "Scheduled email cancelled successfully"] as NSDictionary)
                #expect(NSDictionary(dictionary: try #require(results["cancelAgain"] as? [String: Any]))
                    == ["status": 404, "message": "Failed cancel the scheduled email"] as NSDictionary)
                let after = try #require((results["after"] as? [String: Any])?["emailMessage"] as? [String: Any])
                #expect(after["status"] as? String == "opened")
                #expect(NSDictionary(dictionary: try #require(after["events"] as? [String: Any]))
                    == ["opened": 1, "delivered": 1, "accepted": 1] as NSDictionary)
                #expect(after["recipients"] as? [[String: String]] == [["emailId": "ada@example.com", "status": "opened"]])
                #expect(NSDictionary(dictionary: try #require(results["noRecording"] as? [String: Any])) == [
                    "error": 404, "body": ["statusCode": 404, "message": "Recording not found"],
                ] as NSDictionary)
                // Contacts: found by email in any case, updated, deleted.
                let search = try #require(results["search"] as? [String: Any])
                #expect(search["total"] as? Int == 1)
                #expect((search["contacts"] as? [[String: Any]])?.first?["id"] as? String == contact.id.rawValue)
                let updated = try #require(results["update"] as? [String: Any])
                #expect(updated["succeded"] as? Bool == true)
                #expect((updated["contact"] as? [String: Any])?["firstName"] as? String == "Augusta")
                #expect(NSDictionary(dictionary: try #require(results["delete"] as? [String: Any])) == ["succeded": true])
                #expect(NSDictionary(dictionary: try #require(results["deletedSearch"] as? [String: Any]))
                    == ["contacts": [], "total": 0] as NSDictionary)
                #expect(NSDictionary(dictionary: try #require(results["upload"] as? [String: Any])) == [
                    "error": 400, "body": ["statusCode": 400, "message": "The request must be multipart/form-data with a boundary"],
                ] as NSDictionary)
            }
        }
    }
}
