import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import SwitchboardCore
@testable import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Files (issue 17) over a real socket on both backends: the multipart upload and its refusals, the signed-URL
/// upload, files served back with their type, length, ETag and ranges, call recordings, and files going with their
/// conversation.
@Suite struct FilesTests {
    /// A store with a tenant and a conversation, served over a socket; `clock` is the server's time.
    private func withFiles(
        _ backend: Backend, clock: ManualClock = ManualClock(),
        _ body: @Sendable @escaping (any ConversationStore, Tenant, ConversationID, ContactID, any TestClientProtocol)
            async throws -> Void
    ) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, contact) = try await store.makeConversation(tenant)
            try await makeApplication(store: store) { $0.now = { clock.now() } }.test(.live) { client in
                try await body(store, tenant, conversation, contact, client)
            }
        }
    }

    final class ManualClock: Sendable {
        private let time = Mutex(testEpoch.rawValue)
        func now() -> Timestamp { Timestamp(rawValue: time.withLock { $0 }) }
        func advance(milliseconds: Int64) { time.withLock { $0 += milliseconds } }
    }

    /// Bytes that differ at every offset (so a range read from the wrong place shows), `count` long.
    static func bytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 8) &+ Int(seed)) }
    }

    /// A multipart/form-data body: `fields` as text parts, then `files` (name, bytes), with boundary `B0undary`.
    static func multipart(fields: [(String, String)], files: [(String, [UInt8])], fileField: String = "fileAttachment")
        -> ByteBuffer
    {
        var body = ByteBuffer()
        for (name, bytes) in files {
            body.writeString("--B0undary\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(name)\"\r\n")
            body.writeString("Content-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(bytes)
            body.writeString("\r\n")
        }
        // Fields after the files: a client may send them in any order.
        for (name, value) in fields {
            body.writeString("--B0undary\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--B0undary--\r\n")
        return body
    }

    static func upload(_ client: some TestClientProtocol, _ tenant: Tenant, body: ByteBuffer,
                       contentType: String = "multipart/form-data; boundary=B0undary") async throws -> TestResponse {
        var headers = tenant.headers
        headers[.contentType] = contentType
        return try await client.execute(uri: "/conversations/messages/upload", method: .post, headers: headers, body: body)
    }

    /// The path of a URL the server answered (the test client speaks to the server it started).
    static func path(_ url: String) throws -> String {
        let components = try #require(URLComponents(string: url))
        return components.percentEncodedPath
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: Backend.allCases)
    func uploadedFilesAreServedBackWithTheirTypeLengthETagAndRanges(_ backend: Backend) async throws {
        try await withFiles(backend) { store, tenant, conversation, contact, client in
            // Larger than two chunks, so ranges cross chunk boundaries.
            let audio = Self.bytes(600_000)
            let note = Array("Meet on Tuesday.\n".utf8)
            let fields = [("conversationId", conversation.rawValue), ("contactId", contact.rawValue),
                          ("locationId", tenant.location.rawValue)]
            let response = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: [("call.WAV", audio), ("note.txt", note), ("note.txt", note)]))
            #expect(response.status == .ok, "\(response.text)")
            let uploaded = try #require(try response.json()["uploadedFiles"] as? [String: String])
            #expect(Set(uploaded.keys) == ["call.WAV", "note.txt", "note.txt (2)"])
            for url in uploaded.values {
                #expect(url.range(of: #"^http://[^/]+/conversations-assets/[0-9a-f]{32}/[A-Za-z.]+$"#, options: .regularExpression) != nil, "\(url)")
            }
            let audioPath = try Self.path(try #require(uploaded["call.WAV"]))

            // No token or Version: the URL is the key.
            let whole = try await client.get(audioPath, headers: [:])
            #expect(whole.status == .ok)
            #expect(Array(buffer: whole.body) == audio)
            #expect(whole.headers[.contentType] == "audio/wav")
            #expect(whole.headers[.contentLength] == "600000")
            #expect(whole.headers[.acceptRanges] == "bytes")
            #expect(whole.headers[.eTag] == "\"\(Self.sha256(audio))\"")
            #expect(whole.headers[.contentDisposition] == "inline; filename=\"call.WAV\"")
            let text = try await client.get(try Self.path(try #require(uploaded["note.txt"])), headers: [:])
            #expect(text.headers[.contentType] == "text/plain")
            #expect(Array(buffer: text.body) == note)

            // One range across the first chunk boundary, an open one, a suffix, one past the end, several.
            let chunk = UploadRules.chunkSize
            for (header, range) in [("bytes=\(chunk - 5)-\(chunk + 4)", (chunk - 5)...(chunk + 4)),
                                    ("bytes=599990-", 599_990...599_999), ("bytes=-3", 599_997...599_999),
                                    ("bytes=599000-700000", 599_000...599_999)] {
                let part = try await client.get(audioPath, headers: [.range: header])
                #expect(part.status == .partialContent, "\(header)")
                #expect(part.headers[.contentRange] == "bytes \(range.lowerBound)-\(range.upperBound)/600000", "\(header)")
                #expect(part.headers[.contentLength] == String(range.count), "\(header)")
                #expect(Array(buffer: part.body) == Array(audio[range]), "\(header)")
            }
            let past = try await client.get(audioPath, headers: [.range: "bytes=600000-"])
            #expect(past.status == .rangeNotSatisfiable)
            #expect(past.headers[.contentRange] == "bytes */600000")
            let several = try await client.get(audioPath, headers: [.range: "bytes=0-1,5-6"])
            #expect(several.status == .ok)
            #expect(several.body.readableBytes == 600_000)

            let etag = try #require(whole.headers[.eTag])
            let unchanged = try await client.get(audioPath, headers: [.ifNoneMatch: etag])
            #expect(unchanged.status == .notModified)
            #expect(unchanged.body.readableBytes == 0)
            let head = try await client.execute(uri: audioPath, method: .head, headers: [:], body: nil)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == "600000")

            // Any other token is a 404, in HighLevel's error shape.
            let unknown = try await client.get("/conversations-assets/\(FileToken.random())/call.wav", headers: [:])
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 404, message: "File not found"))
            let malformed = try await client.get("/conversations-assets/..%2F..%2Fetc/passwd", headers: [:])
            #expect(try malformed.errorBody() == HighLevelErrorBody(statusCode: 404, message: "File not found"))

            // A file goes with its conversation.
            let deleted = try await client.execute(
                uri: "/conversations/\(conversation)", method: .delete, headers: tenant.headers, body: nil)
            #expect(deleted.status == .ok)
            let gone = try await client.get(audioPath, headers: [:])
            #expect(gone.status == .notFound)
            let token = try #require(FileLocation.token(in: audioPath))
            #expect(try await store.fileChunks(token, 0...10, logger: .test).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func refusedUploadsAnswerInHighLevelsShapesAndKeepNothing(_ backend: Backend) async throws {
        try await withFiles(backend) { store, tenant, conversation, contact, client in
            let fields = [("conversationId", conversation.rawValue), ("contactId", contact.rawValue),
                          ("locationId", tenant.location.rawValue)]
            func refusal(_ response: TestResponse) throws -> (status: Int, message: String) {
                let object = try response.json()
                #expect(object.count == 2, "\(object)")
                return (try #require(object["status"] as? Int), try #require(object["message"] as? String))
            }

            let tooLarge = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: [("big.png", Self.bytes(UploadRules.maximumFileSize + 1))]))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try refusal(tooLarge) == (413, "Failed to upload the files: big.png is larger than the 5242880 bytes allowed"))
            let exactly = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: [("max.png", Self.bytes(UploadRules.maximumFileSize))]))
            #expect(exactly.status == .ok)

            let wrongType = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: [("tool.exe", [1, 2, 3])]))
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(try refusal(wrongType) == (415, "Failed to upload the files: tool.exe is not an allowed type "
                + "(JPG, JPEG, PNG, MP4, MPEG, ZIP, RAR, PDF, DOC, DOCX, TXT, MP3, WAV)"))
            // A refusal after a stored file removes it: the first file's URL never answers.
            let mixed = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: [("ok.txt", [65]), ("no.exe", [66])]))
            #expect(mixed.status == .unsupportedMediaType)

            let eleven = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: (0..<11).map { ("f\($0).txt", [UInt8(65)]) }))
            #expect(try refusal(eleven) == (413, "Failed to upload the files: at most 10 files in one upload"))
            var manyParts = ByteBuffer()
            for index in 0..<10_000 {
                manyParts.writeString("--B0undary\r\nContent-Disposition: form-data; name=\"f\(index)\"\r\n\r\nv\r\n")
            }
            manyParts.writeString("--B0undary--\r\n")
            let flood = try await Self.upload(client, tenant, body: manyParts)
            #expect(try refusal(flood) == (413, "Failed to upload the files: at most 100 parts and 10 files of 5242880 bytes"))

            // Malformed bodies are 400s with the reason.
            let cases: [(String, String, String)] = [
                ("multipart/form-data", "x", "The request must be multipart/form-data with a boundary"),
                ("application/json", "{}", "The request must be multipart/form-data with a boundary"),
                ("multipart/form-data; boundary=B0undary", "--B0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ntruncated",
                 "The multipart body ends inside a part"),
                ("multipart/form-data; boundary=B0undary", "--B0undary\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B0undary--",
                 "A part has no name in its Content-Disposition"),
                ("multipart/form-data; boundary=B0undary", "no delimiter at all", "The multipart body ends before its first part"),
                ("multipart/form-data; boundary=B0undary", "--B0undary\r\nContent-Disposition: form-data; name=\"a\"",
                 "The multipart body ends inside a part's headers"),
            ]
            for (contentType, body, message) in cases {
                let response = try await Self.upload(client, tenant, body: ByteBuffer(string: body), contentType: contentType)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try response.errorBody() == HighLevelErrorBody(statusCode: 400, message: message))
            }

            // The fields: all three, the token's location, a conversation of it, and its contact.
            let noFields = try await Self.upload(client, tenant, body: Self.multipart(fields: [], files: [("a.txt", [65])]))
            #expect(try noFields.errorBody() == .validation(
                "conversationId should not be empty", "contactId should not be empty", "locationId should not be empty"))
            let other = try await store.makeTenant()
            let elsewhere = try await Self.upload(client, tenant, body: Self.multipart(
                fields: [("conversationId", conversation.rawValue), ("contactId", contact.rawValue),
                         ("locationId", other.location.rawValue)], files: [("a.txt", [65])]))
            #expect(try elsewhere.errorBody() == HighLevelErrorBody(
                statusCode: 403, message: "The token does not have access to this location."))
            let unknown = try await Self.upload(client, tenant, body: Self.multipart(
                fields: [("conversationId", "NoSuchConversation00"), ("contactId", contact.rawValue),
                         ("locationId", tenant.location.rawValue)], files: [("a.txt", [65])]))
            #expect(try unknown.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Conversation with id NoSuchConversation00 not found"))
            let notTheContact = try await Self.upload(client, tenant, body: Self.multipart(
                fields: [("conversationId", conversation.rawValue), ("contactId", "SomeoneElse000000000"),
                         ("locationId", tenant.location.rawValue)], files: [("a.txt", [65])]))
            #expect(try notTheContact.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Contact with id SomeoneElse000000000 not found"))
            let noFiles = try await Self.upload(client, tenant, body: Self.multipart(fields: fields, files: []))
            #expect(try noFiles.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "No files to upload: send each as a fileAttachment part"))

            // A path in a name keeps only its last component.
            let traversal = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: [("../../etc/passwd.txt", [65])]))
            let names = try #require(try traversal.json()["uploadedFiles"] as? [String: String])
            #expect(Array(names.keys) == ["passwd.txt"])

            // The scope: a read-only token may not upload.
            let reader = try await store.makeToken(for: tenant.location, scopes: [.messagesReadonly])
            var readerHeaders = tenant.headers
            readerHeaders[.authorization] = "Bearer \(reader)"
            readerHeaders[.contentType] = "multipart/form-data; boundary=B0undary"
            let unscoped = try await client.execute(
                uri: "/conversations/messages/upload", method: .post, headers: readerHeaders,
                body: Self.multipart(fields: fields, files: [("a.txt", [65])]))
            #expect(try unscoped.errorBody() == HighLevelErrorBody(
                statusCode: 401, message: "The token is not authorized for this scope."))

            // Of all these uploads, two were stored (the one at the limit and the renamed one): the conversation's
            // files are those two, and deleting the conversation leaves none.
            #expect(try await Self.storedFileCount(store, tenant, conversation: conversation) == 2)
        }
    }

    /// How many files (served or not) the store holds for the conversation.
    static func storedFileCount(_ store: any ConversationStore, _ tenant: Tenant, conversation: ConversationID)
        async throws -> Int
    {
        try await store.files(of: conversation, in: tenant.location, logger: .test).count
    }

    /// A body arriving in the given pieces.
    struct Pieces: AsyncIteratorProtocol {
        var pieces: [ByteBuffer]
        mutating func next() async -> ByteBuffer? { pieces.isEmpty ? nil : pieces.removeFirst() }
    }

    @Test(arguments: Backend.allCases)
    func aSignedUploadTakesOnePutBeforeItExpiresAndIsServedOnceCompleted(_ backend: Backend) async throws {
        let clock = ManualClock()
        try await withFiles(backend, clock: clock) { store, tenant, conversation, contact, client in
            func initiate(_ filename: String, channel: String = "SMS", size: Int? = nil) async throws -> TestResponse {
                try await client.send(
                    .post, "/conversations/messages/upload/initiate", headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","conversationId":"\#(conversation)","filename":"\#(filename)","contentType":"video/mp4","channel":"\#(channel)"\#(size.map { #","fileSize":\#($0)"# } ?? "")}"#)
            }
            let started = try await initiate("clip.mp4")
            #expect(started.status == .ok)
            let answer = try started.json()
            let uploadId = try #require(answer["uploadId"] as? String)
            let filePath = try #require(answer["filePath"] as? String)
            #expect(uploadId.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression) != nil)
            #expect(answer["expiresAt"] as? Int == Int(clock.now().rawValue) + 15 * 60 * 1000)
            #expect(answer["maxFileSize"] as? Int == 5 << 20)
            #expect(filePath.range(of: "^location/\(tenant.location)/conversations/\(conversation)/[0-9a-f]{32}\\.mp4$", options: .regularExpression) != nil)
            let uploadPath = try Self.path(try #require(answer["uploadUrl"] as? String))
            #expect(uploadPath == "/conversations-uploads/\(uploadId)")
            let completion = #"{"uploadId":"\#(uploadId)","filePath":"\#(filePath)","locationId":"\#(tenant.location)","conversationId":"\#(conversation)","filename":"clip.mp4"}"#
            let notFound = HighLevelErrorBody(
                statusCode: 404, message: "File not found in storage - upload may have failed or URL expired")

            // Completing before the bytes arrive finds nothing.
            let early = try await client.send(.post, "/conversations/messages/upload/complete", headers: tenant.headers, json: completion)
            #expect(try early.errorBody() == notFound)
            let video = Self.bytes(300_000, seed: 3)
            let put = try await client.execute(uri: uploadPath, method: .put, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(bytes: video))
            #expect(put.status == .ok)
            #expect(put.body.readableBytes == 0)
            let again = try await client.execute(uri: uploadPath, method: .put, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(bytes: video))
            #expect(try again.errorBody() == HighLevelErrorBody(
                statusCode: 404, message: "The upload URL is unknown, expired, or already used"))
            let wrongPath = try await client.send(
                .post, "/conversations/messages/upload/complete", headers: tenant.headers,
                json: completion.replacingOccurrences(of: filePath, with: "location/x/y.mp4"))
            #expect(try wrongPath.errorBody() == notFound)

            let completed = try await client.send(.post, "/conversations/messages/upload/complete", headers: tenant.headers, json: completion)
            #expect(completed.status == .ok)
            let result = try completed.json()
            #expect(result["metadata"] as? NSDictionary == ["size": 300_000, "contentType": "video/mp4"])
            let url = try #require((result["uploadedFiles"] as? [String: String])?["clip.mp4"])
            let served = try await client.get(try Self.path(url), headers: [:])
            #expect(Array(buffer: served.body) == video)
            #expect(served.headers[.contentType] == "video/mp4")

            // Sizes: a declared size over the channel's limit, WhatsApp's larger limit, and a PUT over the limit.
            let declared = try await initiate("big.mp4", size: (5 << 20) + 1)
            #expect(declared.status == .contentTooLarge)
            #expect(try declared.json() as NSDictionary == [
                "status": 413, "message": "Failed to upload the files: the file is larger than the 5242880 bytes allowed"])
            let whatsapp = try await initiate("big.mp4", channel: "WHATSAPP", size: 50 << 20)
            #expect(try whatsapp.json()["maxFileSize"] as? Int == 100 << 20)
            let small = try await initiate("small.mp4")
            let smallPath = try Self.path(try #require(try small.json()["uploadUrl"] as? String))
            let over = try await client.execute(
                uri: smallPath, method: .put, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(bytes: Self.bytes((5 << 20) + 1)))
            #expect(over.status == .contentTooLarge)
            let retried = try await client.execute(uri: smallPath, method: .put, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(bytes: [1]))
            #expect(retried.status == .notFound)

            // A URL taken after 15 minutes is gone.
            let late = try await initiate("late.mp4")
            let latePath = try Self.path(try #require(try late.json()["uploadUrl"] as? String))
            clock.advance(milliseconds: 15 * 60 * 1000 + 1)
            let expired = try await client.execute(uri: latePath, method: .put, headers: [.contentType: "application/octet-stream"], body: ByteBuffer(bytes: [1]))
            #expect(try expired.errorBody() == HighLevelErrorBody(
                statusCode: 404, message: "The upload URL is unknown, expired, or already used"))

            // Checked as every body is: required fields, the name's type, the conversation.
            let empty = try await client.send(.post, "/conversations/messages/upload/initiate", headers: tenant.headers, json: "{}")
            #expect(try empty.errorBody() == .validation(
                "locationId should not be empty", "conversationId should not be empty", "filename should not be empty",
                "contentType should not be empty", "channel should not be empty"))
            let exe = try await initiate("setup.exe")
            #expect(try exe.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Failed to upload the files: "
                + "setup.exe is not an allowed type (JPG, JPEG, PNG, MP4, MPEG, ZIP, RAR, PDF, DOC, DOCX, TXT, MP3, WAV)"))
            let other = try await store.makeTenant()
            let (theirs, _) = try await store.makeConversation(other)
            let foreign = try await client.send(
                .post, "/conversations/messages/upload/initiate", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","conversationId":"\#(theirs)","filename":"a.mp4","contentType":"video/mp4","channel":"SMS"}"#)
            #expect(try foreign.errorBody() == HighLevelErrorBody(
                statusCode: 403, message: "The token does not have access to this location."))
            // Another location cannot complete this location's upload.
            let stranger = try await client.send(
                .post, "/conversations/messages/upload/complete", headers: other.headers,
                json: completion.replacingOccurrences(of: tenant.location.rawValue, with: other.location.rawValue))
            #expect(try stranger.errorBody() == notFound)
            _ = contact
        }
    }

    @Test(arguments: Backend.allCases)
    func aCallsRecordingIsItsUploadedAudio(_ backend: Backend) async throws {
        try await withFiles(backend) { store, tenant, conversation, contact, client in
            let audio = Self.bytes(40_000, seed: 9)
            let fields = [("conversationId", conversation.rawValue), ("contactId", contact.rawValue),
                          ("locationId", tenant.location.rawValue)]
            let uploaded = try await Self.upload(
                client, tenant, body: Self.multipart(fields: fields, files: [("call.mp3", audio), ("notes.pdf", [37, 80])]))
            let urls = try #require(try uploaded.json()["uploadedFiles"] as? [String: String])
            let recordingURL = try #require(urls["call.mp3"])
            let pdfURL = try #require(urls["notes.pdf"])
            // The PDF first: the recording is the first audio attachment.
            let call = try await client.send(
                .post, "/conversations/messages/outbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","attachments":["\#(pdfURL)","\#(recordingURL)"],"call":{"status":"completed","duration":4}}"#)
            #expect(call.status == .created, "\(call.text)")
            let id = try #require(try call.json()["messageId"] as? String)
            let path = "/conversations/messages/\(id)/locations/\(tenant.location)/recording"
            let recording = try await client.get(path, headers: tenant.headers)
            #expect(recording.status == .ok)
            #expect(Array(buffer: recording.body) == audio)
            #expect(recording.headers[.contentType] == "audio/mpeg")
            #expect(recording.headers[.contentDisposition] == "attachment; filename=\"call.mp3\"")
            let part = try await client.get(path, headers: tenant.headers + [.range: "bytes=10-19"])
            #expect(part.status == .partialContent)
            #expect(Array(buffer: part.body) == Array(audio[10...19]))

            let notFound = HighLevelErrorBody(statusCode: 404, message: "Recording not found")
            let silent = try await client.send(
                .post, "/conversations/messages/outbound", headers: tenant.headers,
                json: #"{"type":"Call","conversationId":"\#(conversation)","attachments":["\#(pdfURL)","https://elsewhere.example/x.wav"]}"#)
            let silentId = try #require(try silent.json()["messageId"] as? String)
            let none = try await client.get(
                "/conversations/messages/\(silentId)/locations/\(tenant.location)/recording", headers: tenant.headers)
            #expect(none.status == .notFound)
            #expect(try none.errorBody() == notFound)
            let sms = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"hi","attachments":["\#(recordingURL)"]}"#)
            let smsId = try #require(try sms.json()["messageId"] as? String)
            let notACall = try await client.get(
                "/conversations/messages/\(smsId)/locations/\(tenant.location)/recording", headers: tenant.headers)
            #expect(try notACall.errorBody() == notFound)
            let unknown = try await client.get(
                "/conversations/messages/NoSuchMessage0000000/locations/\(tenant.location)/recording", headers: tenant.headers)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 404, message: "Message not found"))

            let forbidden = HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location.")
            let other = try await store.makeTenant()
            let elsewhere = try await client.get(
                "/conversations/messages/\(id)/locations/\(other.location)/recording", headers: tenant.headers)
            #expect(try elsewhere.errorBody() == forbidden)
            let theirs = try await client.get(
                "/conversations/messages/\(id)/locations/\(other.location)/recording", headers: other.headers)
            #expect(try theirs.errorBody() == forbidden)
        }
    }

    @Test(arguments: Backend.allCases)
    func deletingAContactDeletesItsConversationsFiles(_ backend: Backend) async throws {
        try await withFiles(backend) { store, tenant, _, _, client in
            let created = try await client.send(
                .post, "/contacts/", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","firstName":"Ada","phone":"+15550100"}"#)
            let contact = try #require((try created.json()["contact"] as? [String: Any])?["id"] as? String)
            let conversation = try await client.send(
                .post, "/conversations/", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","contactId":"\#(contact)"}"#)
            let conversationId = try #require((try conversation.json()["conversation"] as? [String: Any])?["id"] as? String)
            let uploaded = try await Self.upload(client, tenant, body: Self.multipart(
                fields: [("conversationId", conversationId), ("contactId", contact), ("locationId", tenant.location.rawValue)],
                files: [("a.txt", [65])]))
            let url = try #require((try uploaded.json()["uploadedFiles"] as? [String: String])?["a.txt"])
            #expect(try await client.get(try Self.path(url), headers: [:]).status == .ok)
            let deleted = try await client.execute(uri: "/contacts/\(contact)", method: .delete, headers: tenant.headers, body: nil)
            #expect(deleted.status == .ok)
            #expect(try await client.get(try Self.path(url), headers: [:]).status == .notFound)
            #expect(try await Self.storedFileCount(store, tenant, conversation: ConversationID(rawValue: conversationId)) == 0)
        }
    }

    /// curl asks before sending a large body (`Expect: 100-continue`) and waits a second for an answer: the server
    /// answers `100 Continue` before the body has come.
    @Test func aClientThatAsksBeforeSendingItsBodyIsToldToGoOn() async throws {
        try await withFiles(.sqlite) { _, tenant, _, _, client in
            let port = try #require(client.port)
            let head = "POST /conversations/messages/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer \(tenant.token)\r\nVersion: 2021-04-15\r\n"
                + "Content-Type: multipart/form-data; boundary=B0undary\r\nContent-Length: 1000\r\n"
                + "Expect: 100-continue\r\n\r\n"
            // Only the head: what comes back before the body is sent.
            let answer = try await rawExchange(port: port, Array(head.utf8), receiveTimeout: 2)
            #expect(answer.hasPrefix("HTTP/1.1 100 Continue\r\n"), "\(answer)")
        }
    }

    @Test func multipartReaderFindsPartsAcrossAnySplitOfTheBody() async throws {
        let body = Array("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x \\\"q\\\".txt\"\r\nContent-Type: text/plain\r\n\r\n\r\n--Xy\r\n--XyZ--\r\nepilogue".utf8)
        // Every split point, so a delimiter cut between two reads is still found.
        for split in 1..<body.count {
            var reader = MultipartReader(
                source: Pieces(pieces: [ByteBuffer(bytes: body[..<split]), ByteBuffer(bytes: body[split...])]),
                boundary: "XyZ", maximumBodySize: 1 << 20)
            let first = try await reader.nextPart()
            #expect(first == .init(name: "a", filename: nil, contentType: nil), "split \(split)")
            #expect(try await reader.text(maximum: 100) == "one", "split \(split)")
            let second = try await reader.nextPart()
            #expect(second == .init(name: "f", filename: "x \"q\".txt", contentType: "text/plain"), "split \(split)")
            #expect(try await reader.text(maximum: 100) == "\r\n--Xy", "split \(split)")
            #expect(try await reader.nextPart() == nil, "split \(split)")
        }
    }

    @Test func fileNamesAndRangesAreReadAsDocumented() {
        #expect(UploadRules.safeName("../../etc/passwd.txt") == "passwd.txt")
        #expect(UploadRules.safeName("C:\\Users\\me\\call.wav") == "call.wav")
        #expect(UploadRules.safeName("a\u{0}b\nc.png") == "abc.png")
        #expect(UploadRules.safeName("..") == nil)
        #expect(UploadRules.safeName("dir/") == "dir")
        #expect(UploadRules.safeName(String(repeating: "x", count: 300) + ".pdf")?.utf8.count == 200)
        #expect(UploadRules.safeName(String(repeating: "x", count: 300) + ".pdf")?.hasSuffix(".pdf") == true)
        #expect(UploadRules.contentType(forFileNamed: "A.DOCX") == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        #expect(UploadRules.contentType(forFileNamed: "noextension") == nil)
        #expect(ByteRangeRequest(header: "bytes=0-0", size: 10) == .part(0...0))
        #expect(ByteRangeRequest(header: "bytes=-20", size: 10) == .part(0...9))
        #expect(ByteRangeRequest(header: "bytes=-0", size: 10) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=5-2", size: 10) == .whole)
        #expect(ByteRangeRequest(header: "items=0-1", size: 10) == .whole)
        #expect(ByteRangeRequest(header: "bytes=0-", size: 0) == .unsatisfiable)
        #expect(FileLocation.token(in: "https://h/conversations-assets/0123456789abcdef0123456789abcdef/a.wav")?.rawValue
            == "0123456789abcdef0123456789abcdef")
        #expect(FileLocation.token(in: "https://h/conversations-assets/short/a.wav") == nil)
        #expect(FileLocation.percentEncoded("a b/ü.txt") == "a%20b%2F%C3%BC.txt")
        #expect(FileToken.random() != FileToken.random())
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var fields = lhs
        for field in rhs { fields[field.name] = field.value }
        return fields
    }
}
