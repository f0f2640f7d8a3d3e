import Foundation
import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardStorage

/// What calls have besides their messages (CONTRACT.md §5.2): attachments set on an external call, and
/// transcriptions, read as JSON or as plain text. Transcriptions arrive with the calls that routes create
/// (`transcription` in an outbound or inbound call's body, `TranscriptionField`).
struct CallsController<Store: ConversationStore>: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.put("/conversations/messages/:messageId/attachments", use: replaceAttachments)
        router.get("/conversations/messages/:messageId/locations/:locationId/recording", use: recording)
        router.get("/conversations/locations/:locationId/messages/:messageId/transcription", use: transcription)
        router.get("/conversations/locations/:locationId/messages/:messageId/transcription/download", use: download)
    }

    /// `add-message-attachments`: replaces a call's attachments (at most five URLs). Only an external call takes
    /// them, as at HighLevel: `TYPE_CUSTOM_CALL`, or a `TYPE_CALL` added through this API (`source` `api`), which is
    /// what HighLevel's `EXTERNAL_CALL` subtype marks.
    @Sendable func replaceAttachments(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        let id = MessageID(rawValue: context.parameters.get("messageId") ?? "")
        var body = try await RequestBody.read(request, context: context)
        let reported = body.violations.count
        let attachments = body.stringArray("attachments", maxCount: 5)
        if attachments == nil && body.violations.count == reported { body.rejectField("attachments should not be empty") }
        if let attachments, !attachments.allSatisfy(Self.isURL) {
            body.rejectField("each value in attachments must be a URL address")
        }
        try body.validate()
        guard let attachments else { throw SwitchboardError.internalError }
        let message = try await store.accessibleMessage(id, for: principal, logger: context.logger)
        let external = message.messageType == .customCall || (message.messageType == .call && message.source == "api")
        guard external else {
            throw SwitchboardError.forbidden("Attachments can be added to external calls only")
        }
        guard let updated = try await store.replaceAttachments(
            id, in: principal.locationId, with: attachments, at: now(), logger: context.logger)
        else { throw SwitchboardError.notFound("Message not found") }
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("success"); json.bool(true)
            json.key("messageId"); json.string(updated.id.rawValue)
            json.key("attachments"); json.stringArray(updated.attachments ?? [])
        }
    }

    /// `get-message-recording`: the audio bytes of a call's recording, the first of its attachments that is an audio
    /// file uploaded to this server (`FilesController`), with its content type, as a download. 404 when the call
    /// has none, or the message is not a call.
    @Sendable func recording(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesReadonly)
        try principal.requireAccess(toLocationNamed: context.parameters.get("locationId"))
        let id = MessageID(rawValue: context.parameters.get("messageId") ?? "")
        let message = try await store.accessibleMessage(id, for: principal, logger: context.logger)
        if message.messageType == .call || message.messageType == .customCall {
            for url in message.attachments ?? [] {
                guard let token = FileLocation.token(in: url),
                    let file = try await store.servedFile(token, logger: context.logger),
                    file.locationId == principal.locationId, file.contentType.hasPrefix("audio/")
                else { continue }
                return FileResponse.make(
                    file, request: request, store: store, disposition: "attachment", logger: context.logger)
            }
        }
        throw SwitchboardError.notFound("Recording not found")
    }

    /// `get-message-transcription`: the sentences, a bare JSON array as HighLevel's document has it.
    @Sendable func transcription(_ request: Request, context: AppRequestContext) async throws -> Response {
        let transcription = try await requestedTranscription(context)
        var json = JSONWriter(capacity: 256 + transcription.sentences.count * 128)
        json.beginArray()
        for sentence in transcription.sentences {
            json.beginObject()
            json.key("mediaChannel"); json.integer(sentence.mediaChannel)
            json.key("sentenceIndex"); json.integer(sentence.sentenceIndex)
            json.key("startTime"); json.number(sentence.startTime)
            json.key("endTime"); json.number(sentence.endTime)
            json.key("transcript"); json.string(sentence.transcript)
            json.key("confidence"); json.number(sentence.confidence)
            json.endObject()
        }
        json.endArray()
        return JSONResponse.make(bytes: json.bytes)
    }

    /// `download-message-transcription`: the same sentences as plain text, a line each, to save as a file.
    @Sendable func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let transcription = try await requestedTranscription(context)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"transcription-\(transcription.messageId.rawValue).txt\""
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: transcription.plainText)))
    }

    /// The path's location must be the token's (403), its message the location's (403 for another's, 404 when there
    /// is none), and the message must have a transcription (404).
    private func requestedTranscription(_ context: AppRequestContext) async throws -> CallTranscription {
        let principal = try context.requirePrincipal(scope: .messagesReadonly)
        try principal.requireAccess(toLocationNamed: context.parameters.get("locationId"))
        let id = MessageID(rawValue: context.parameters.get("messageId") ?? "")
        let message = try await store.accessibleMessage(id, for: principal, logger: context.logger)
        guard let transcription = try await store.transcription(of: message.id, in: principal.locationId, logger: context.logger)
        else { throw SwitchboardError.notFound("Transcription not found") }
        return transcription
    }

    static func isURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false else {
            return false
        }
        return scheme == "http" || scheme == "https"
    }
}

/// `transcription` in the body of a route that creates a call (a Switchboard extension): the sentences of
/// `TranscriptSentence`, at most 10,000, checked as every other field is.
enum TranscriptionField {
    static func read(_ body: inout RequestBody) -> [TranscriptSentence]? {
        guard let items = body.objectArray("transcription", maxCount: 10_000) else { return nil }
        var sentences: [TranscriptSentence] = []
        for (index, var item) in items.enumerated() {
            let channel = item.integer("mediaChannel", minimum: 0, maximum: 1_000)
            let sentenceIndex = item.integer("sentenceIndex", minimum: 0, maximum: 1_000_000)
            let start = item.number("startTime", in: 0...1e9, rangeText: "0 to 1000000000")
            let end = item.number("endTime", in: 0...1e9, rangeText: "0 to 1000000000")
            let transcript = item.string("transcript", required: true, maxLength: 65_536)
            let confidence = item.number("confidence", in: 0...1, rangeText: "0 to 1")
            for (name, value) in [("mediaChannel", channel as Any?), ("sentenceIndex", sentenceIndex), ("startTime", start),
                                  ("endTime", end), ("confidence", confidence)] where value == nil {
                if !item.violations.contains(where: { $0.hasPrefix(name + " ") }) { item.rejectField("\(name) should not be empty") }
            }
            if let start, let end, end < start { item.rejectField("endTime must not be less than startTime") }
            body.absorb(item, prefix: "transcription.\(index)")
            if let channel, let sentenceIndex, let start, let end, let transcript, let confidence, end >= start {
                sentences.append(
                    TranscriptSentence(
                        mediaChannel: channel, sentenceIndex: sentenceIndex, startTime: start, endTime: end,
                        transcript: transcript, confidence: confidence))
            }
        }
        return sentences
    }
}
