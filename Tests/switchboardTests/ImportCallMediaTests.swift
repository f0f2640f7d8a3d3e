import AsyncHTTPClient
import Foundation
import NIOCore
import SwitchboardTestSupport
import Testing

/// `import` takes a call's `transcription` and `recording` (Switchboard's extension of the message JSON, issue 17):
/// the transcription is served by `…/transcription`, the recording stored as an uploaded file, named in the call's
/// attachments on `--file-base-url`, and served by `…/recording`; bad media is a bad line; `--strict` stores none of it.
/// On both backends, through the one-transaction writers (`--strict`, and SQLite's first import) and the
/// batch-by-batch one (an import beside stored messages).
@Suite(.serialized) struct ImportCallMediaTests {
    static let location = "ImportMediaLocation0"
    static let contact = "ImportMediaContact00"
    static let conversation = "ImportMediaConvers00"

    static func line(_ id: String, type: String = "TYPE_CALL", minute: Int, extra: String = "") -> String {
        #"{"id":"\#(id)","conversationId":"\#(conversation)","locationId":"\#(location)","contactId":"\#(contact)","messageType":"\#(type)","direction":"outbound","status":"completed","dateAdded":"2026-12-01T10:\#(String(format: "%02d", minute)):00.000Z","meta":{"call":{"duration":42,"status":"completed"}}\#(extra)}"#
    }

    static let sentences = #"[{"mediaChannel":1,"sentenceIndex":0,"startTime":0,"endTime":2.5,"transcript":"Hello, this is Ada.","confidence":0.93},{"mediaChannel":2,"sentenceIndex":1,"startTime":2.5,"endTime":4,"transcript":"Hi Ada!","confidence":0.88}]"#

    static func recording(_ bytes: [UInt8], name: String = "call.wav", type: String = "audio/wav") -> String {
        #"{"name":"\#(name)","contentType":"\#(type)","data":"\#(Data(bytes).base64EncodedString())"}"#
    }

    @Test(arguments: Backend.allCases)
    func importedCallsKeepTheirTranscriptionAndRecording(_ backend: Backend) async throws {
        let audio = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ ($0 >> 9)) }
        let good = [
            Self.line("ImportMediaCall00001", minute: 1, extra: #","transcription":\#(Self.sentences),"recording":\#(Self.recording(audio))"#),
            Self.line("ImportMediaSms000001", type: "TYPE_SMS", minute: 2),
        ]
        let bad = [
            Self.line("ImportMediaBadType01", minute: 3, extra: #","recording":\#(Self.recording([1, 2], type: "video/mp4"))"#),
            Self.line("ImportMediaBadTime01", minute: 4,
                      extra: #","transcription":[{"mediaChannel":1,"sentenceIndex":0,"startTime":3,"endTime":1,"transcript":"x","confidence":0.5}]"#),
            Self.line("ImportMediaBadData01", minute: 5, extra: #","recording":{"contentType":"audio/wav","data":"not base64!"}"#),
        ]
        let target = try await serverDatabase(backend)
        let base = ["--database", target, "--file-base-url", "http://files.example:9000/"]

        // Bad media makes bad lines; --strict then stores nothing, the good call's media included.
        let refused = try await runCLI(["import", "-", "--strict"] + base, stdin: Data((good + bad).joined(separator: "\n").utf8))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 3: recording.contentType must be an audio type (audio/…)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("line 4: transcription.0.endTime must not be less than startTime"), "\(refused.stderr)")
        #expect(refused.stderr.contains("line 5: recording.data must be base64 of at most 5242880 bytes"), "\(refused.stderr)")
        #expect(refused.stderr.contains("3 bad lines; nothing was imported (--strict)"), "\(refused.stderr)")
        let nothing = try await runCLI(["location", "list", "--database", target])
        #expect(!nothing.stdout.contains(Self.location), "\(nothing.stdout)")

        let imported = try await runCLI(["import", "-", "--strict"] + base, stdin: Data(good.joined(separator: "\n").utf8))
        #expect(imported.status == 0, "\(imported.stderr)")
        // Beside stored messages, batch by batch: a second call with a transcription and a recording of its own.
        let later = Self.line(
            "ImportMediaCall00002", minute: 6,
            extra: #","transcription":[{"mediaChannel":1,"sentenceIndex":0,"startTime":0,"endTime":1,"transcript":"Later.","confidence":1}],"recording":\#(Self.recording([9, 8, 7], name: "../later.mp3", type: "audio/mpeg"))"#)
        let second = try await runCLI(["import", "-"] + base, stdin: Data(later.utf8))
        #expect(second.status == 0, "\(second.stderr)")

        let token = try await runCLI(["token", "create", "--location", Self.location, "--database", target])
        let server = try ServerProcess(database: target)
        defer { server.stop() }
        try await server.waitUntilReady()
        let headers = [
            "Authorization": "Bearer \(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))", "Version": "2021-04-15",
        ]
        func bytes(_ path: String) async throws -> (status: Int, type: String?, bytes: [UInt8]) {
            var request = HTTPClientRequest(url: server.baseURL + path)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 24)
            return (Int(response.status.code), response.headers.first(name: "Content-Type"), Array(buffer: body))
        }

        let first = try await bytes("/conversations/messages/ImportMediaCall00001/locations/\(Self.location)/recording")
        #expect(first.status == 200)
        #expect(first.type == "audio/wav")
        #expect(first.bytes == audio)
        let transcription = try await server.get(
            "/conversations/locations/\(Self.location)/messages/ImportMediaCall00001/transcription", headers: headers)
        #expect(transcription.status == 200)
        #expect(try JSONSerialization.jsonObject(with: Data(transcription.body.utf8)) as? NSArray
            == (try JSONSerialization.jsonObject(with: Data(Self.sentences.utf8)) as? NSArray))
        // The recording's URL, on --file-base-url, is the call's attachment, and the server serves it at its path.
        let message = try await server.get("/conversations/messages/ImportMediaCall00001", headers: headers)
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any])
        let attachments = try #require((stored["message"] as? [String: Any] ?? stored)["attachments"] as? [String])
        #expect(attachments.count == 1)
        let url = try #require(attachments.first)
        #expect(url.range(of: #"^http://files\.example:9000/conversations-assets/[A-Za-z0-9_-]{22,}/call\.wav$"#, options: .regularExpression) != nil, "\(url)")
        let served = try await bytes(String(url.dropFirst("http://files.example:9000".count)))
        #expect(served.status == 200)
        #expect(served.bytes == audio)

        let laterRecording = try await bytes("/conversations/messages/ImportMediaCall00002/locations/\(Self.location)/recording")
        #expect(laterRecording.status == 200)
        #expect(laterRecording.type == "audio/mpeg")
        #expect(laterRecording.bytes == [9, 8, 7])
        let laterText = try await server.get(
            "/conversations/locations/\(Self.location)/messages/ImportMediaCall00002/transcription/download", headers: headers)
        #expect(laterText.status == 200)
        #expect(laterText.body.contains("Later."), "\(laterText.body)")
        // The SMS has neither: 404s in HighLevel's shape.
        let none = try await server.get(
            "/conversations/messages/ImportMediaSms000001/locations/\(Self.location)/recording", headers: headers)
        #expect(none.status == 404)
        #expect(none.body.contains(#""message":"Recording not found""#), "\(none.body)")
    }
}
