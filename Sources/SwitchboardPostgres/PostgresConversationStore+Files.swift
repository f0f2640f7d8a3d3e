public import Logging
import NIOCore
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    public func createFile(_ file: StoredFile, logger: Logger) async throws {
        try await execute("createFile", Self.createFileStatement(file), logger: logger)
    }

    /// The statement that records a file (an import runs it in its transaction).
    static func createFileStatement(_ file: StoredFile) -> PostgresQuery {
        """
        INSERT INTO files (\(unescaped: FileColumn.list), claimed)
        VALUES (\(file.token.rawValue), \(file.uploadId), \(file.locationId.rawValue), \(file.conversationId.rawValue),
            \(file.name), \(file.contentType), \(file.maxSize), \(file.expiresAt?.rawValue),
            \(file.createdAt.rawValue), \(file.size), \(file.etag), \(file.served), \(file.uploadId == nil))
        """
    }

    public func claimUpload(_ uploadId: String, at time: Timestamp, logger: Logger) async throws -> StoredFile? {
        try await fetch(
            "claimUpload",
            """
            UPDATE files SET claimed = TRUE
            WHERE upload_id = \(uploadId) AND NOT claimed AND expires_at >= \(time.rawValue)
            RETURNING \(unescaped: FileColumn.list)
            """, logger: logger
        ) { try $0.decoded(StoredRow.file) }.first
    }

    public func appendFileChunk(_ token: FileToken, index: Int, bytes: [UInt8], logger: Logger) async throws {
        try await execute("appendFileChunk", Self.appendFileChunkStatement(token, index: index, bytes: bytes), logger: logger)
    }

    /// The statement that stores one chunk of a file's bytes (an import runs it in its transaction).
    static func appendFileChunkStatement(_ token: FileToken, index: Int, bytes: [UInt8]) -> PostgresQuery {
        "INSERT INTO file_chunks (token, chunk, bytes) VALUES (\(token.rawValue), \(index), \(ByteBuffer(bytes: bytes)))"
    }

    public func finishFile(
        _ token: FileToken, size: Int, etag: String, serve: Bool, conversation: ConversationID, logger: Logger
    ) async throws {
        try await execute(
            "finishFile",
            """
            UPDATE files SET size = \(size), etag = \(etag), served = \(serve), conversation_id = \(conversation.rawValue)
            WHERE token = \(token.rawValue)
            """, logger: logger)
    }

    public func discardFile(_ token: FileToken, logger: Logger) async throws {
        try await run("discardFile", logger: logger) { connection in
            try await Self.deleteFiles(
                "WITH gone AS (DELETE FROM files WHERE token = \(token.rawValue) RETURNING token)", on: connection,
                logger: logger)
        }
    }

    public func upload(_ uploadId: String, in location: LocationID, logger: Logger) async throws -> StoredFile? {
        try await fetch(
            "upload",
            """
            SELECT \(unescaped: FileColumn.list) FROM files
            WHERE upload_id = \(uploadId) AND location_id = \(location.rawValue)
            """, logger: logger
        ) { try $0.decoded(StoredRow.file) }.first
    }

    public func serveFile(_ token: FileToken, logger: Logger) async throws {
        try await execute("serveFile", "UPDATE files SET served = TRUE WHERE token = \(token.rawValue)", logger: logger)
    }

    public func servedFile(_ token: FileToken, logger: Logger) async throws -> StoredFile? {
        try await fetch(
            "servedFile",
            "SELECT \(unescaped: FileColumn.list) FROM files WHERE token = \(token.rawValue) AND served",
            logger: logger
        ) { try $0.decoded(StoredRow.file) }.first
    }

    public func files(of conversation: ConversationID, in location: LocationID, logger: Logger) async throws
        -> [StoredFile]
    {
        try await fetch(
            "files",
            """
            SELECT \(unescaped: FileColumn.list) FROM files
            WHERE location_id = \(location.rawValue) AND conversation_id = \(conversation.rawValue)
            ORDER BY created_at, token
            """, logger: logger
        ) { try $0.decoded(StoredRow.file) }
    }

    public func fileChunks(_ token: FileToken, _ indices: ClosedRange<Int>, logger: Logger) async throws -> [[UInt8]] {
        try await fetch(
            "fileChunks",
            """
            SELECT bytes FROM file_chunks
            WHERE token = \(token.rawValue) AND chunk BETWEEN \(indices.lowerBound) AND \(indices.upperBound)
            ORDER BY chunk
            """, logger: logger
        ) { row in
            var buffer = try row.decode(ByteBuffer.self)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        }
    }

    public func sweepAbandonedUploads(recordedBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int {
        try await fetch(
            "sweepAbandonedUploads",
            """
            WITH gone AS (
                DELETE FROM files WHERE token IN (
                    SELECT token FROM files WHERE NOT served AND created_at < \(cutoff.rawValue) LIMIT \(limit))
                RETURNING token),
            chunks AS (DELETE FROM file_chunks WHERE token IN (SELECT token FROM gone))
            SELECT count(*) FROM gone
            """, logger: logger
        ) { row in try row.decode(Int.self) }.first ?? 0
    }

    /// Deletes the files a `WITH gone AS (DELETE FROM files … RETURNING token)` clause removes, and their bytes,
    /// in one statement.
    static func deleteFiles(_ removal: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws {
        var statement = removal
        statement.sql += " DELETE FROM file_chunks WHERE token IN (SELECT token FROM gone)"
        try await connection.query(statement, logger: logger)
    }
}
