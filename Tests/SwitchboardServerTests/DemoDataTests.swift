import Foundation
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// `serve --demo`'s data reaches every read route (issue 17): its emails have records in one thread per
/// conversation, and its answered calls have transcriptions.
@Suite struct DemoDataTests {
    @Test(arguments: Backend.allCases)
    func demoEmailsAndCallsAnswerTheirRoutes(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let created = try await DemoData.populate(
                store, location: tenant.location, seed: 7, fileBaseURL: "http://127.0.0.1:8080", logger: .test)
            try await makeApplication(store: store).test(.router) { client in
                func messages(_ channel: String) async throws -> [[String: Any]] {
                    let conversation = try #require(created.first { $0.channel == channel }).conversationId
                    let page = try await client.get("/conversations/\(conversation)/messages?limit=100", headers: tenant.headers)
                    return try #require((try page.json()["messages"] as? [String: Any])?["messages"] as? [[String: Any]])
                }
                // Oldest first: the first email starts the thread, each later one answers the one before. Each of
                // the four messages lists two email ids, and every one of them is readable.
                let emails = try await messages("Email").reversed().compactMap {
                    (($0["meta"] as? [String: Any])?["email"] as? [String: Any])?["messageIds"] as? [String]
                }.flatMap { $0 }
                #expect(emails.count == 8)
                var previous: String?
                for id in emails {
                    let read = try await client.get("/conversations/messages/email/\(id)", headers: tenant.headers)
                    #expect(read.status == .ok)
                    let email = try #require(try read.json()["emailMessage"] as? [String: Any])
                    #expect(email["threadId"] as? String == emails[0])
                    #expect(email["replyToMessageId"] as? String == previous)
                    #expect(email["subject"] as? String == (previous == nil ? "Your quote" : "Re: Your quote"))
                    previous = id
                }

                let calls = try await messages("Calls and voicemail").filter {
                    $0["messageType"] as? String == "TYPE_CALL"
                }
                var transcribed = 0
                for call in calls {
                    let id = try #require(call["id"] as? String)
                    let answered = ((call["meta"] as? [String: Any])?["call"] as? [String: Any])?["duration"] as? Int ?? 0
                    let read = try await client.get(
                        "/conversations/locations/\(tenant.location)/messages/\(id)/transcription", headers: tenant.headers)
                    #expect(read.status == (answered > 0 ? .ok : .notFound))
                    if answered > 0 {
                        let sentences = try #require(try JSONSerialization.jsonObject(with: Data(buffer: read.body)) as? [[String: Any]])
                        #expect(sentences.count == 3)
                        #expect(sentences.last?["endTime"] as? Double == Double(answered))
                        transcribed += 1
                    }
                }
                #expect(transcribed == 2)
                // The answered calls have a recording: a real WAV, as its header says.
                var recorded = 0
                for call in calls {
                    let id = try #require(call["id"] as? String)
                    let read = try await client.get(
                        "/conversations/messages/\(id)/locations/\(tenant.location)/recording", headers: tenant.headers)
                    guard read.status == .ok else {
                        #expect(read.status == .notFound)
                        continue
                    }
                    recorded += 1
                    #expect(read.headers[.contentType] == "audio/wav")
                    let bytes = Array(buffer: read.body)
                    #expect(bytes.count == 44 + 16_000)
                    #expect(Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[8..<16]) == Array("WAVEfmt ".utf8))
                    let attachments = try #require(call["attachments"] as? [String])
                    #expect(attachments.count == 1 && attachments[0].hasPrefix("http://127.0.0.1:8080/conversations-assets/"))
                }
                #expect(recorded == 2)
            }
        }
    }
}
