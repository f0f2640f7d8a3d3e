import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func createFile(_ file: StoredFile, logger: Logger) async throws {
        try await measure("createFile") { try await base.createFile(file, logger: logger) }
    }

    func claimUpload(_ uploadId: String, at time: Timestamp, logger: Logger) async throws -> StoredFile? {
        try await measure("claimUpload") { try await base.claimUpload(uploadId, at: time, logger: logger) }
    }

    func appendFileChunk(_ token: FileToken, index: Int, bytes: [UInt8], logger: Logger) async throws {
        try await measure("appendFileChunk") {
            try await base.appendFileChunk(token, index: index, bytes: bytes, logger: logger)
        }
    }

    func finishFile(
        _ token: FileToken, size: Int, etag: String, serve: Bool, conversation: ConversationID, logger: Logger
    ) async throws {
        try await measure("finishFile") {
            try await base.finishFile(
                token, size: size, etag: etag, serve: serve, conversation: conversation, logger: logger)
        }
    }

    func discardFile(_ token: FileToken, logger: Logger) async throws {
        try await measure("discardFile") { try await base.discardFile(token, logger: logger) }
    }

    func sweepAbandonedUploads(recordedBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int {
        try await measure("sweepAbandonedUploads") {
            try await base.sweepAbandonedUploads(recordedBefore: cutoff, limit: limit, logger: logger)
        }
    }

    func upload(_ uploadId: String, in location: LocationID, logger: Logger) async throws -> StoredFile? {
        try await measure("upload") { try await base.upload(uploadId, in: location, logger: logger) }
    }

    func serveFile(_ token: FileToken, logger: Logger) async throws {
        try await measure("serveFile") { try await base.serveFile(token, logger: logger) }
    }

    func servedFile(_ token: FileToken, logger: Logger) async throws -> StoredFile? {
        try await measure("servedFile") { try await base.servedFile(token, logger: logger) }
    }

    func files(of conversation: ConversationID, in location: LocationID, logger: Logger) async throws -> [StoredFile] {
        try await measure("files") { try await base.files(of: conversation, in: location, logger: logger) }
    }

    func fileChunks(_ token: FileToken, _ indices: ClosedRange<Int>, logger: Logger) async throws -> [[UInt8]] {
        try await measure("fileChunks") { try await base.fileChunks(token, indices, logger: logger) }
    }
}
