public import Logging
public import SwitchboardCore

/// The files room of the store: uploaded files and their bytes, in chunks of `UploadRules.chunkSize`, so that
/// neither an upload nor a download holds a whole file in memory. A file is recorded before its bytes arrive and is
/// served only once they are all in (and, for a signed upload, once `upload/complete` has named it). Files belong to
/// a conversation and go with it.
public protocol FileStore: Sendable {
    /// Records a file whose bytes are still to come.
    func createFile(_ file: StoredFile, logger: Logger) async throws
    /// Takes the signed upload with this id for the one `PUT` that fills it: nil when there is none, when it expired
    /// before `time`, or when a `PUT` already took it.
    func claimUpload(_ uploadId: String, at time: Timestamp, logger: Logger) async throws -> StoredFile?
    /// Stores chunk `index` (from 0) of the file's bytes.
    func appendFileChunk(_ token: FileToken, index: Int, bytes: [UInt8], logger: Logger) async throws
    /// Records the size and entity tag of a file whose bytes are all in, and the conversation it belongs to (a
    /// multipart upload's fields may follow its files); `serve` serves it from now on.
    func finishFile(
        _ token: FileToken, size: Int, etag: String, serve: Bool, conversation: ConversationID, logger: Logger
    ) async throws
    /// Removes a file and its bytes (an upload that failed part way).
    func discardFile(_ token: FileToken, logger: Logger) async throws
    /// The signed upload with this id in the location, whatever its state.
    func upload(_ uploadId: String, in location: LocationID, logger: Logger) async throws -> StoredFile?
    /// Serves a file from now on.
    func serveFile(_ token: FileToken, logger: Logger) async throws
    /// The file with this token, when it is served.
    func servedFile(_ token: FileToken, logger: Logger) async throws -> StoredFile?
    /// The conversation's files, served or not, oldest first.
    func files(of conversation: ConversationID, in location: LocationID, logger: Logger) async throws -> [StoredFile]
    /// The bytes of the file's chunks `indices`, in order.
    func fileChunks(_ token: FileToken, _ indices: ClosedRange<Int>, logger: Logger) async throws -> [[UInt8]]
    /// Removes at most `limit` files that were never served and were recorded before `cutoff`, with their bytes:
    /// signed uploads never filled or never completed, and uploads cut short by a stopped server. How many it
    /// removed.
    func sweepAbandonedUploads(recordedBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int
}

/// The `files` table's columns, in the order `StoredRow.file` reads them.
public enum FileColumn: String, StoredColumns {
    case token, uploadId = "upload_id", locationId = "location_id", conversationId = "conversation_id", name
    case contentType = "content_type", maxSize = "max_size", expiresAt = "expires_at", createdAt = "created_at"
    case size, etag, served
}

extension StoredRow {
    /// `FileColumn` order.
    public static func file(_ row: inout some StoredRowReader) throws -> StoredFile {
        StoredFile(
            token: FileToken(rawValue: try row.text()), uploadId: try row.optionalText(),
            locationId: LocationID(rawValue: try row.text()), conversationId: ConversationID(rawValue: try row.text()),
            name: try row.text(), contentType: try row.text(), maxSize: try row.int(),
            expiresAt: try row.optionalTimestamp(), createdAt: try row.timestamp(), size: try row.optionalInt(),
            etag: try row.optionalText(), served: try row.flag())
    }
}
