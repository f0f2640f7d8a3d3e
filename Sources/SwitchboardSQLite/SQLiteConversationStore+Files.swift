import Foundation
import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

extension SQLiteConversationStore {
    public func createFile(_ file: StoredFile, logger: Logger) async throws {
        try await write { db in try Self.createFile(file, db: db) }
    }

    /// Inside the caller's transaction (an import's too).
    static func createFile(_ file: StoredFile, db: Database) throws {
        try db.execute(
            sql: "INSERT INTO files (\(FileColumn.list), claimed) VALUES (\(Self.placeholders(FileColumn.count + 1)))",
            arguments: [
                file.token.rawValue, file.uploadId, file.locationId.rawValue, file.conversationId.rawValue, file.name,
                file.contentType, file.maxSize, file.expiresAt?.rawValue, file.createdAt.rawValue, file.size,
                file.etag, file.served, file.uploadId == nil,
            ])
    }

    public func claimUpload(_ uploadId: String, at time: Timestamp, logger: Logger) async throws -> StoredFile? {
        try await write { db in
            try db.execute(
                sql: "UPDATE files SET claimed = 1 WHERE upload_id = ? AND claimed = 0 AND expires_at >= ?",
                arguments: [uploadId, time.rawValue])
            guard db.changesCount > 0 else { return nil }
            return try Row.fetchOne(
                db, sql: "SELECT \(FileColumn.list) FROM files WHERE upload_id = ?", arguments: [uploadId]
            ).map { try $0.decoded(StoredRow.file) }
        }
    }

    public func appendFileChunk(_ token: FileToken, index: Int, bytes: [UInt8], logger: Logger) async throws {
        try await write { db in try Self.appendFileChunk(token, index: index, bytes: bytes, db: db) }
    }

    /// Inside the caller's transaction (an import's too).
    static func appendFileChunk(_ token: FileToken, index: Int, bytes: [UInt8], db: Database) throws {
        try db.execute(
            sql: "INSERT INTO file_chunks (token, chunk, bytes) VALUES (?, ?, ?)",
            arguments: [token.rawValue, index, Data(bytes)])
    }

    public func finishFile(
        _ token: FileToken, size: Int, etag: String, serve: Bool, conversation: ConversationID, logger: Logger
    ) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE files SET size = ?, etag = ?, served = ?, conversation_id = ? WHERE token = ?",
                arguments: [size, etag, serve, conversation.rawValue, token.rawValue])
        }
    }

    public func discardFile(_ token: FileToken, logger: Logger) async throws {
        try await write { db in try Self.deleteFiles(where: "token = ?", [token.rawValue], db: db) }
    }

    public func upload(_ uploadId: String, in location: LocationID, logger: Logger) async throws -> StoredFile? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(FileColumn.list) FROM files WHERE upload_id = ? AND location_id = ?",
                arguments: [uploadId, location.rawValue]
            ).map { try $0.decoded(StoredRow.file) }
        }
    }

    public func serveFile(_ token: FileToken, logger: Logger) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE files SET served = 1 WHERE token = ?", arguments: [token.rawValue])
        }
    }

    public func servedFile(_ token: FileToken, logger: Logger) async throws -> StoredFile? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(FileColumn.list) FROM files WHERE token = ? AND served = 1",
                arguments: [token.rawValue]
            ).map { try $0.decoded(StoredRow.file) }
        }
    }

    public func files(of conversation: ConversationID, in location: LocationID, logger: Logger) async throws
        -> [StoredFile]
    {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(FileColumn.list) FROM files WHERE location_id = ? AND conversation_id = ?
                    ORDER BY created_at, token
                    """,
                arguments: [location.rawValue, conversation.rawValue]
            ).map { try $0.decoded(StoredRow.file) }
        }
    }

    public func fileChunks(_ token: FileToken, _ indices: ClosedRange<Int>, logger: Logger) async throws -> [[UInt8]] {
        try await pool.read { db in
            try Data.fetchAll(
                db, sql: "SELECT bytes FROM file_chunks WHERE token = ? AND chunk BETWEEN ? AND ? ORDER BY chunk",
                arguments: [token.rawValue, indices.lowerBound, indices.upperBound]
            ).map { Array($0) }
        }
    }

    public func sweepAbandonedUploads(recordedBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int {
        try await write { db in
            // The files' rows go last, so the count of changes is theirs.
            try Self.deleteFiles(
                where: "token IN (SELECT token FROM files WHERE served = 0 AND created_at < ? LIMIT ?)",
                [cutoff.rawValue, limit], db: db)
            return db.changesCount
        }
    }

    /// Files matching `condition` and their bytes, inside the caller's transaction.
    static func deleteFiles(where condition: String, _ arguments: StatementArguments, db: Database) throws {
        try db.execute(
            sql: "DELETE FROM file_chunks WHERE token IN (SELECT token FROM files WHERE \(condition))",
            arguments: arguments)
        try db.execute(sql: "DELETE FROM files WHERE \(condition)", arguments: arguments)
    }

    private static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}
