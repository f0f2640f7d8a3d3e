public import Logging
import PostgresNIO
public import SwitchboardStorage
import SwitchboardCore

extension PostgresConversationStore {
    /// Without `allOrNothing`, each batch is a transaction of its own. With it, the whole import is one transaction
    /// on one connection, each batch in a savepoint (so a refused batch can be retried line by line), committed only
    /// when `body` returns. Its statements are bounded by the statement timeout one by one, not as a whole.
    public func withImport<Result: Sendable>(
        allOrNothing: Bool, logger: Logger, _ body: (any MessageImportWriter) async throws -> Result
    ) async throws -> Result {
        let result = try await writeImport(allOrNothing: allOrNothing, logger: logger, body)
        // The planner's statistics, renewed now rather than when autovacuum next notices: an import can multiply a
        // table's size, and plans made for the old size (search's index scans among them) would be poor until then.
        try await execute("analyzeAfterImport", "ANALYZE locations, contacts, conversations, messages", logger: logger)
        // A GIN index's own statistics are renewed only by VACUUM: until then the planner prices the search tables'
        // GIN indexes as built (empty, in a new database) and reads the whole table instead (10,001 conversations:
        // a narrow text 11–12 ms instead of 7, until autovacuum came by).
        try await execute(
            "vacuumAfterImport", "VACUUM (ANALYZE) conversation_search_bodies, conversation_search_words, search_words",
            logger: logger)
        return result
    }

    private func writeImport<Result: Sendable>(
        allOrNothing: Bool, logger: Logger, _ body: (any MessageImportWriter) async throws -> Result
    ) async throws -> Result {
        guard allOrNothing else { return try await body(BatchTransactionsWriter(store: self, logger: logger)) }
        let client = await pool.current.running()
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let result = try await body(PostgresTransactionImport(connection: connection, logger: logger))
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            switch PostgresErrorKind(error) {
            case .disconnected(let reason), .unavailable(let reason): throw StoreError.unavailable(reason)
            default: throw error
            }
        }
    }
}

/// The writer of a one-transaction import: each call runs in a savepoint of the open transaction.
struct PostgresTransactionImport: MessageImportWriter {
    let connection: PostgresConnection
    let logger: Logger

    func createMissing(locations: [Location], contacts: [Contact]) async throws {
        guard !locations.isEmpty || !contacts.isEmpty else { return }
        try await inSavepoint(
            PostgresConversationStore.createMissingStatements(locations: locations, contacts: contacts))
    }

    func insertMessages(_ messages: [Message], events: [WebhookEvent]) async throws {
        guard !messages.isEmpty else { return }
        try await inSavepoint { connection, logger in
            try await PostgresConversationStore.storeMessages(messages, on: connection, logger: logger)
            if let enqueue = PostgresConversationStore.enqueue(events) { try await connection.query(enqueue, logger: logger) }
        }
    }

    func storeCallMedia(_ media: [ImportedCallMedia]) async throws {
        var statements: [PostgresQuery] = []
        for item in media {
            if let transcription = item.transcription {
                statements.append(PostgresConversationStore.setTranscriptionStatement(transcription))
            }
            guard let recording = item.recording else { continue }
            // Served as it is written: the transaction shows it whole or not at all.
            var file = recording.file
            file.served = true
            statements.append(PostgresConversationStore.createFileStatement(file))
            for (index, chunk) in recording.chunks.enumerated() {
                statements.append(PostgresConversationStore.appendFileChunkStatement(file.token, index: index, bytes: chunk))
            }
        }
        guard !statements.isEmpty else { return }
        try await inSavepoint(statements)
    }

    /// All of `statements` or none of them; a key they break is its `StoreError` (see `insertRows`).
    private func inSavepoint(_ statements: [PostgresQuery]) async throws {
        try await inSavepoint { connection, logger in
            for statement in statements { try await connection.query(statement, logger: logger) }
        }
    }

    private func inSavepoint(_ body: (PostgresConnection, Logger) async throws -> Void) async throws {
        try await connection.query("SAVEPOINT import_batch", logger: logger)
        do {
            try await body(connection, logger)
            try await connection.query("RELEASE SAVEPOINT import_batch", logger: logger)
        } catch {
            try await connection.query("ROLLBACK TO SAVEPOINT import_batch", logger: logger)
            switch PostgresErrorKind(error) {
            case .constraint(let refusal): throw refusal
            case .unstorableText:
                throw SwitchboardError.validation(ValidationFailure("text fields must not contain NUL (\\u0000) characters"))
            case .disconnected(let reason), .unavailable(let reason): throw StoreError.unavailable(reason)
            default: throw error
            }
        }
    }
}
