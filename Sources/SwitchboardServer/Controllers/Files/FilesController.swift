import Foundation
import Hummingbird
import Logging
import NIOCore
import SwitchboardCore
import SwitchboardStorage

/// Files sent with messages (CONTRACT.md §5.2): the multipart upload, the signed-URL upload (`initiate`, a `PUT` to
/// the URL it gives, `complete`), and the files themselves, served without a token at unguessable URLs as
/// HighLevel's storage serves them. Bytes go to the store in chunks as they arrive (`FileStore`).
struct FilesController<Store: ConversationStore>: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    /// `upload`, `upload/initiate` and `upload/complete`: HighLevel's routes, behind the API's checks.
    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/conversations/messages/upload", use: upload)
        router.post("/conversations/messages/upload/initiate", use: initiate)
        router.post("/conversations/messages/upload/complete", use: complete)
    }

    /// The files and the signed upload URLs: no token, as at a storage service; the URL is the credential.
    func addStorageRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/conversations-assets/:token/:name", use: serve)
        router.put("/conversations-uploads/:uploadId", use: receiveSignedUpload)
    }

    // MARK: Multipart upload

    /// `upload-file-attachments`: `fileAttachment` parts (at most `UploadRules.maximumFileCount`, each at most
    /// `UploadRules.maximumFileSize`, of HighLevel's allowed types) beside the `conversationId`, `contactId` and
    /// `locationId` fields, in any order. Files are stored as they stream in and served once the fields check out;
    /// any failure removes what was stored.
    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        guard let boundary = Multipart.boundary(inContentType: request.headers[.contentType]) else {
            throw SwitchboardError.badRequest("The request must be multipart/form-data with a boundary")
        }
        var reader = MultipartReader(
            source: request.body.makeAsyncIterator(), boundary: boundary,
            maximumBodySize: UploadRules.maximumFileCount * UploadRules.maximumFileSize + (1 << 20))
        var fields: [String: String] = [:]
        var files: [StoredFile] = []
        do {
            while let part = try await reader.nextPart() {
                if let filename = part.filename {
                    guard files.count < UploadRules.maximumFileCount else {
                        throw UploadFailure.tooLarge("at most \(UploadRules.maximumFileCount) files in one upload")
                    }
                    guard let name = UploadRules.safeName(filename) else {
                        throw SwitchboardError.badRequest("A file part has no usable file name")
                    }
                    guard let contentType = UploadRules.contentType(forFileNamed: name) else {
                        throw UploadFailure.unsupportedType(name)
                    }
                    var file = StoredFile(
                        token: .random(), locationId: principal.locationId, conversationId: ConversationID(rawValue: ""),
                        name: name, contentType: contentType, maxSize: UploadRules.maximumFileSize, createdAt: now())
                    files.append(file)
                    try await store.createFile(file, logger: context.logger)
                    (file.size, file.etag) = try await receiveBytes(
                        of: file, from: { try await reader.nextSlice(maximum: UploadRules.chunkSize) },
                        logger: context.logger)
                    files[files.count - 1] = file
                } else {
                    guard let text = try await reader.text(maximum: 65_536) else {
                        throw SwitchboardError.badRequest("The field \(part.name.prefix(64)) is longer than 65536 bytes")
                    }
                    // `attachmentUrls` may come once per URL; the other fields are single values.
                    fields[part.name] = fields[part.name].map { $0 + "," + text } ?? text
                }
            }
            let conversation = try await uploadTarget(fields, principal: principal, context: context)
            guard !files.isEmpty else {
                throw SwitchboardError.badRequest("No files to upload: send each as a fileAttachment part")
            }
            var uploaded: [(name: String, url: String)] = []
            let base = Self.publicBase(request)
            for file in files {
                guard let size = file.size, let etag = file.etag else { throw SwitchboardError.internalError }
                try await store.finishFile(
                    file.token, size: size, etag: etag, serve: true, conversation: conversation.id, logger: context.logger)
                var served = file
                served.conversationId = conversation.id
                uploaded.append((Self.uniqueName(file.name, among: uploaded.map(\.name)), base + served.path))
            }
            return JSONResponse.make(traceId: context.traceId) { json in
                json.key("uploadedFiles")
                json.beginObject()
                for (name, url) in uploaded {
                    json.dynamicKey(name)
                    json.string(url)
                }
                json.endObject()
            }
        } catch {
            for file in files { try? await store.discardFile(file.token, logger: context.logger) }
            throw Self.answer(for: error)
        }
    }

    /// The conversation the fields name: all three ids given, the location the token's, the conversation the
    /// location's and the contact its contact.
    private func uploadTarget(_ fields: [String: String], principal: Principal, context: AppRequestContext)
        async throws -> Conversation
    {
        var missing: [String] = []
        for name in ["conversationId", "contactId", "locationId"] where (fields[name] ?? "").isEmpty {
            missing.append("\(name) should not be empty")
        }
        if !missing.isEmpty { throw ValidationFailure(messages: missing) }
        try principal.requireAccess(toLocationNamed: fields["locationId"])
        let conversation = try await store.accessibleConversation(
            ConversationID(rawValue: fields["conversationId"] ?? ""), for: principal, logger: context.logger)
        guard conversation.contactId.rawValue == fields["contactId"] else {
            throw SwitchboardError.badRequest("Contact with id \(fields["contactId"]?.prefix(64) ?? "") not found")
        }
        return conversation
    }

    // MARK: Signed-URL upload

    /// `initiate-file-upload`: a URL on this server that takes the file's bytes with one `PUT` for 15 minutes
    /// (WhatsApp files up to 100 MB, others up to 5 MB, as at HighLevel).
    @Sendable func initiate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var body = try await RequestBody.read(request, context: context)
        let location = body.string("locationId", required: true, maxLength: 64)
        let conversationId = body.string("conversationId", required: true, maxLength: 64)
        let filename = body.string("filename", required: true, maxLength: 1_024)
        _ = body.string("contentType", required: true, maxLength: 255)
        let channel = body.string("channel", required: true, maxLength: 64)
        let declaredSize = body.integer("fileSize", minimum: 0)
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        let conversation = try await store.accessibleConversation(
            ConversationID(rawValue: conversationId ?? ""), for: principal, logger: context.logger)
        guard let name = filename.flatMap(UploadRules.safeName) else {
            throw SwitchboardError.badRequest("filename must name a file")
        }
        guard let contentType = UploadRules.contentType(forFileNamed: name) else {
            throw SwitchboardError.badRequest(UploadFailure.unsupportedType(name).message)
        }
        let maxSize = channel?.uppercased() == "WHATSAPP" ? UploadRules.maximumWhatsAppFileSize : UploadRules.maximumFileSize
        if let declaredSize, declaredSize > maxSize {
            throw UploadFailure.tooLarge("the file is larger than the \(maxSize) bytes allowed")
        }
        let uploadId = Self.uploadId()
        let created = now()
        let file = StoredFile(
            token: .random(), uploadId: uploadId, locationId: principal.locationId, conversationId: conversation.id,
            name: name, contentType: contentType, maxSize: maxSize,
            expiresAt: Timestamp(rawValue: created.rawValue + UploadRules.signedURLLifetimeMilliseconds),
            createdAt: created)
        try await store.createFile(file, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("uploadUrl"); json.string(Self.publicBase(request) + "/conversations-uploads/" + uploadId)
            json.key("uploadId"); json.string(uploadId)
            json.key("filePath"); json.string(Self.filePath(file))
            json.key("expiresAt"); json.integer(Int(file.expiresAt?.rawValue ?? 0))
            json.key("maxFileSize"); json.integer(maxSize)
        }
    }

    /// The `PUT` to a signed upload URL: the body is the file (at most the size `initiate` allowed). Once a `PUT`
    /// has taken the URL, it takes no other; a failed one removes the upload, as an expired one is gone.
    @Sendable func receiveSignedUpload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let uploadId = context.parameters.get("uploadId") ?? ""
        guard let file = try await store.claimUpload(uploadId, at: now(), logger: context.logger) else {
            throw SwitchboardError.notFound("The upload URL is unknown, expired, or already used")
        }
        do {
            if let declared = request.headers[.contentLength].flatMap(Int.init), declared > file.maxSize {
                throw UploadFailure.tooLarge("the file is larger than the \(file.maxSize) bytes allowed")
            }
            var body = request.body.makeAsyncIterator()
            let (size, etag) = try await receiveBytes(of: file, from: { try await body.next() }, logger: context.logger)
            try await store.finishFile(
                file.token, size: size, etag: etag, serve: false, conversation: file.conversationId,
                logger: context.logger)
        } catch {
            try? await store.discardFile(file.token, logger: context.logger)
            throw Self.answer(for: error)
        }
        return Response(status: .ok, headers: [.contentLength: "0"])
    }

    /// `complete-file-upload`: serves a file whose bytes arrived through its signed URL, at its URL.
    @Sendable func complete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var body = try await RequestBody.read(request, context: context)
        let uploadId = body.string("uploadId", required: true, maxLength: 64)
        let filePath = body.string("filePath", required: true, maxLength: 1_024)
        let location = body.string("locationId", required: true, maxLength: 64)
        let conversation = body.string("conversationId", required: true, maxLength: 64)
        let filename = body.string("filename", required: true, maxLength: 1_024)
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        guard let uploadId, let file = try await store.upload(uploadId, in: principal.locationId, logger: context.logger),
            let size = file.size, filePath == Self.filePath(file), conversation == file.conversationId.rawValue
        else {
            throw SwitchboardError.notFound("File not found in storage - upload may have failed or URL expired")
        }
        if !file.served { try await store.serveFile(file.token, logger: context.logger) }
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("uploadedFiles")
            json.beginObject()
            json.dynamicKey(filename ?? file.name)
            json.string(Self.publicBase(request) + file.path)
            json.endObject()
            json.key("metadata")
            json.beginObject()
            json.key("size"); json.integer(size)
            json.key("contentType"); json.string(file.contentType)
            json.endObject()
        }
    }

    // MARK: Serving

    /// A served file: anyone with its URL may read it, as at HighLevel's storage.
    @Sendable func serve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = FileToken(rawValue: context.parameters.get("token") ?? "")
        guard token.isWellFormed, let file = try await store.servedFile(token, logger: context.logger) else {
            throw SwitchboardError.notFound("File not found")
        }
        return FileResponse.make(file, request: request, store: store, disposition: "inline", logger: context.logger)
    }

    // MARK: Helpers

    /// Streams the slices `next` gives into the store (`FileWriter`); the file's size and entity tag.
    private func receiveBytes(
        of file: StoredFile, from next: () async throws -> ByteBuffer?, logger: Logger
    ) async throws -> (size: Int, etag: String) {
        var writer = FileWriter(file, store: store, logger: logger)
        do {
            while let slice = try await next() { try await writer.write(slice) }
        } catch is FileWriter.TooLarge {
            throw UploadFailure.tooLarge("\(file.name.prefix(200)) is larger than the \(file.maxSize) bytes allowed")
        }
        return try await writer.finish()
    }

    /// Multipart failures in HighLevel's shapes: malformed bodies 400, oversized ones 413.
    private static func answer(for error: any Error) -> any Error {
        switch error {
        case Multipart.Failure.malformed(let reason):
            SwitchboardError.badRequest(reason)
        case Multipart.Failure.tooLarge:
            UploadFailure.tooLarge("at most \(Multipart.maximumPartCount) parts and "
                + "\(UploadRules.maximumFileCount) files of \(UploadRules.maximumFileSize) bytes")
        default:
            error
        }
    }

    /// `scheme://host` as the request reached this server, for the URLs it hands out.
    static func publicBase(_ request: Request) -> String {
        let scheme = request.headers[DocsController.forwardedProto]?.lowercased() == "https" ? "https" : "http"
        guard let host = request.head.authority, OpenAPIDocument.isPlainHost(host) else { return "http://localhost" }
        return "\(scheme)://\(host)"
    }

    /// Where HighLevel's answer says the file sits in its bucket: `location/{id}/conversations/{id}/{token}.{ext}`.
    static func filePath(_ file: StoredFile) -> String {
        let ext = file.name.split(separator: ".").last.map { "." + $0.lowercased() } ?? ""
        return "location/\(file.locationId.rawValue)/conversations/\(file.conversationId.rawValue)/\(file.token.rawValue)\(ext)"
    }

    /// 128 random bits in a UUID's layout, as HighLevel's upload ids look.
    static func uploadId() -> String {
        let hex = Array(FileToken.random().rawValue)
        return [hex[0..<8], hex[8..<12], hex[12..<16], hex[16..<20], hex[20..<32]].map { String($0) }.joined(separator: "-")
    }

    /// The name, or `name (2)`, `name (3)`… when an earlier file of the upload has it: the answer's keys are names.
    static func uniqueName(_ name: String, among taken: [String]) -> String {
        guard taken.contains(name) else { return name }
        var number = 2
        while taken.contains("\(name) (\(number))") { number += 1 }
        return "\(name) (\(number))"
    }
}
