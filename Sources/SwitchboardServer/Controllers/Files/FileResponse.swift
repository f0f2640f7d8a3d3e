import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchboardCore
import SwitchboardStorage

/// A stored file as an HTTP answer, as a storage service serves one: its type and length, a strong `ETag`
/// (`If-None-Match` answers 304), and single byte ranges (206, or 416 past the end) so that audio and video seek.
/// The bytes are read from the store a few chunks at a time while they are written.
enum FileResponse {
    /// How many stored chunks one read takes (1 MiB): few round trips, little memory.
    static let chunksPerRead = 4

    static func make(
        _ file: StoredFile, request: Request, store: some FileStore, disposition: String, logger: Logger
    ) -> Response {
        let size = file.size ?? 0
        let etag = "\"\(file.etag ?? file.token.rawValue)\""
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.eTag] = etag
        headers[.acceptRanges] = "bytes"
        // The URL names one file's bytes forever: a new upload gets a new URL.
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        headers[.contentDisposition] = "\(disposition); filename=\"\(file.name.replacingQuotes)\""
        if EntityTag.ifNoneMatch(request.headers[.ifNoneMatch], matches: etag) {
            return Response(status: .notModified, headers: headers)
        }
        let range: ClosedRange<Int>
        var status = HTTPResponse.Status.ok
        switch ByteRangeRequest(header: request.headers[.range], size: size) {
        case .whole:
            range = 0...(max(size, 1) - 1)
        case .part(let part):
            range = part
            status = .partialContent
            headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound)/\(size)"
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        let length = size == 0 ? 0 : range.count
        headers[.contentLength] = String(length)
        guard length > 0 else { return Response(status: status, headers: headers, body: ResponseBody()) }
        let token = file.token
        let body = ResponseBody(contentLength: length) { writer in
            let chunkSize = UploadRules.chunkSize
            var chunk = range.lowerBound / chunkSize
            let lastChunk = range.upperBound / chunkSize
            while chunk <= lastChunk {
                let through = min(chunk + chunksPerRead - 1, lastChunk)
                let pieces = try await store.fileChunks(token, chunk...through, logger: logger)
                guard pieces.count == through - chunk + 1 else {
                    throw StoreError.corruptRow("file \(token.rawValue) lacks chunks \(chunk)...\(through)")
                }
                for (offset, piece) in pieces.enumerated() {
                    let start = (chunk + offset) * chunkSize
                    // The part of this chunk inside the range.
                    let from = max(range.lowerBound - start, 0)
                    let to = min(range.upperBound - start, piece.count - 1)
                    if from <= to { try await writer.write(ByteBuffer(bytes: piece[from...to])) }
                }
                chunk = through + 1
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }
}

extension String {
    /// A file name inside a quoted header parameter: its quotes and backslashes replaced.
    fileprivate var replacingQuotes: String {
        String(map { $0 == "\"" || $0 == "\\" ? "_" : $0 })
    }
}

/// An upload refused in the shape HighLevel documents for this operation (`UploadFilesErrorResponseDto`):
/// `{"status":413,"message":"…"}`, with the trace id every answer carries.
struct UploadFailure: Error, RenderedError {
    let status: Int
    let message: String

    static func tooLarge(_ detail: String) -> UploadFailure {
        UploadFailure(status: 413, message: "Failed to upload the files: \(detail)")
    }

    static func unsupportedType(_ name: String) -> UploadFailure {
        UploadFailure(
            status: 415,
            message: "Failed to upload the files: \(name.prefix(200)) is not an allowed type "
                + "(JPG, JPEG, PNG, MP4, MPEG, ZIP, RAR, PDF, DOC, DOCX, TXT, MP3, WAV)")
    }

    var responseStatus: HTTPResponse.Status { .canonical(status) }

    func bodyBytes(traceId: String) -> [UInt8] {
        var json = JSONWriter(capacity: 160)
        json.beginObject()
        json.key("status"); json.integer(status)
        json.key("message"); json.string(message)
        json.key("traceId"); json.string(traceId)
        json.endObject()
        return json.bytes
    }
}
