import Foundation
import GRDB
public import Logging
import SwitchboardCore
public import SwitchboardStorage

extension SQLiteConversationStore {
    /// An import into a database that holds no message yet is a bulk load: one transaction on a connection of its
    /// own, with the messages' indexes dropped while the rows go in and built again, sorted, before the commit (the
    /// load refuses a repeated id itself meanwhile: `BulkLoadMessageKeys`), each conversation's summary written
    /// once instead of once per batch, and the new conversations put in the search index in one statement at the end
    /// (`ConversationSearchIndex.conversationTriggers`). Readers see nothing of it
    /// until it commits, and nothing at all if it fails. An `allOrNothing` import into a database that holds
    /// messages is one transaction too, with the indexes kept. Any other import writes a transaction per batch, so
    /// it does not hold the write lock for its whole length over data that others are using.
    public func withImport<Result: Sendable>(
        allOrNothing: Bool, logger: Logger, _ body: (any MessageImportWriter) async throws -> Result
    ) async throws -> Result {
        let bulkLoad: SQLiteBulkLoad?
        do {
            bulkLoad = try await SQLiteBulkLoad.begin(path: path, evenWhenNotEmpty: allOrNothing)
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
        guard let load = bulkLoad else {
            return try await body(BatchTransactionsWriter(store: self, logger: logger))
        }
        logger.debug("one-transaction import", metadata: ["deferred indexes": "\(load.deferredIndexes)"])
        do {
            let result = try await body(load)
            try await load.commit()
            return result
        } catch {
            await load.rollBack()
            if let error = error as? DatabaseError { throw Self.storeError(error) }
            throw error
        }
    }
}

/// The writer of a bulk load (see `SQLiteConversationStore.withImport`). Its transaction stays open between calls,
/// which GRDB allows only on a connection that says so; no other code writes on this one.
final class SQLiteBulkLoad: MessageImportWriter {
    private let connection: DatabaseQueue
    /// Each dropped index, as the SQL that creates it again.
    let deferredIndexes: [String]
    /// The search index's conversation triggers, dropped for the load, as the SQL that creates them again.
    private let deferredTriggers: [String]
    /// The largest conversation row id before the load: the conversations above it are the load's, indexed for
    /// search at the commit.
    private let conversationRowsBefore: Int64

    private struct Progress {
        /// The summary change of every conversation written so far, applied once at the end.
        var summaries: [ConversationKey: ConversationSummaryChange] = [:]
        /// The conversations among them that existed before the load (and are in the search index already).
        var existing: Set<ConversationKey> = []
        /// The ids written so far, while their unique index is set aside (nil when it is not).
        var keys: BulkLoadMessageKeys?
    }
    private let progress: Locked<Progress>

    /// Nil, having written nothing, when the database already holds messages, unless `evenWhenNotEmpty`: then the
    /// transaction stays open and the indexes stay as they are.
    static func begin(
        path: String, evenWhenNotEmpty: Bool, keyHash: @escaping BulkLoadMessageKeys.Hash = BulkLoadMessageKeys.randomlySeeded
    ) async throws -> SQLiteBulkLoad? {
        var configuration = SQLiteConversationStore.configuration()
        configuration.allowsUnsafeTransactions = true
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let deferred: (indexes: [String], triggers: [String], conversationRows: Int64)?
        do {
            deferred = try await connection.writeWithoutTransaction { db -> ([String], [String], Int64)? in
                // Each batch creates its conversations before its rows, in the same savepoint, and no other writer
                // runs until the commit: a foreign-key lookup per message would only repeat that. The commit checks
                // the keys of contacts and conversations instead. (Only settable outside a transaction.)
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                // 16 MiB of page cache instead of the writer's 64: the load appends its rows and keeps only the
                // conversations' indexes, and the rest was memory. 300,000 realistic messages in 100,000
                // conversations: peak 306–310 → 235–239 MB, 12.2–12.5 → 12.9–13.5 s; the bench's 1,100,000 in 10,001:
                // 263–265 → 195–196 MB, 16.6–18.7 → 15.3–16.9 s (8 MiB: 230 and 186 MB, 15 s for the first).
                try db.execute(sql: "PRAGMA cache_size = -16384")
                // IMMEDIATE: no other writer can add a message between this check and the commit.
                try db.execute(sql: "BEGIN IMMEDIATE")
                let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM messages)") == true
                guard empty || evenWhenNotEmpty else {
                    try db.execute(sql: "ROLLBACK")
                    return nil
                }
                let conversationRows = try Int64.fetchOne(db, sql: "SELECT COALESCE(max(rowid), 0) FROM conversations") ?? 0
                let triggers = try Self.drop(
                    "trigger", where: "name IN (\(ConversationSearchIndex.conversationTriggers.map { "'\($0)'" }.joined(separator: ", ")))",
                    db: db)
                let indexes = empty ? try Self.drop("index", where: "tbl_name = 'messages'", db: db) : []
                return (indexes, triggers, conversationRows)
            }
        } catch {
            await Self.rollBack(connection)
            throw error
        }
        guard let deferred else {
            try connection.close()
            return nil
        }
        return SQLiteBulkLoad(
            connection: connection, deferredIndexes: deferred.indexes, deferredTriggers: deferred.triggers,
            conversationRowsBefore: deferred.conversationRows,
            keys: deferred.indexes.isEmpty ? nil : BulkLoadMessageKeys(hash: keyHash))
    }

    /// Drops the schema's objects of a `type` that match `condition`; the SQL that creates each again.
    private static func drop(_ type: String, where condition: String, db: Database) throws -> [String] {
        let objects = try Row.fetchAll(
            db, sql: "SELECT name, sql FROM sqlite_master WHERE type = '\(type)' AND \(condition) AND sql IS NOT NULL")
        for object in objects {
            let name: String = object[0]
            try db.execute(sql: "DROP \(type.uppercased()) \(name.quotedDatabaseIdentifier)")
        }
        return objects.map { $0[1] }
    }

    /// Every batch is a savepoint whose rows and parsed messages are held until it is released. Into an empty
    /// database, batches of 5,000: on 1,100,000 realistic messages batches of 50,000 peaked at 652 MB and 17k
    /// messages/s where 5,000 took 239 MB and 25k messages/s.
    ///
    /// Beside existing messages (a `--strict` import), batches of 2,000: there the indexes stay, and a savepoint
    /// keeps, in memory (`temp_store`), the former content of every index page its batch changes, which with random
    /// ids is a page per row and index. 1,100,000 realistic messages into a database of as many took 1,214 MB and
    /// 75 s in batches of 25,000 (the size of a batch that is a transaction of its own), 221 MB and 69–72 s in
    /// batches of 2,000, 142 MB and 73–78 s in batches of 1,000.
    var preferredBatchSize: Int? { deferredIndexes.isEmpty ? 2_000 : 5_000 }

    private init(
        connection: DatabaseQueue, deferredIndexes: [String], deferredTriggers: [String], conversationRowsBefore: Int64,
        keys: BulkLoadMessageKeys?
    ) {
        self.connection = connection
        self.deferredIndexes = deferredIndexes
        self.deferredTriggers = deferredTriggers
        self.conversationRowsBefore = conversationRowsBefore
        self.progress = Locked(Progress(keys: keys))
    }

    func createMissing(locations: [Location], contacts: [Contact]) async throws {
        guard !locations.isEmpty || !contacts.isEmpty else { return }
        try await inSavepoint { db in
            try SQLiteConversationStore.createMissing(locations: locations, contacts: contacts, db: db)
        }
    }

    func insertMessages(_ messages: [Message], events: [WebhookEvent]) async throws {
        guard !messages.isEmpty else { return }
        // The summaries are worked out here, on the importer's side, so that the writing thread only writes.
        let changes = ConversationSummaryChange.perConversation(messages)
        let (new, keys) = try progress.withLock { progress in
            (changes.filter { progress.summaries[$0.key] == nil }, try progress.keys?.check(messages))
        }
        let (firstRow, existing) = try await inSavepoint { db -> (Int64?, [ConversationKey]) in
            try keys?.refuseStoredIds(db)
            // Bare: the summaries of every batch are applied at the commit.
            let created = try SQLiteConversationStore.createMissing(new, summarised: false, db: db)
            let existing = new.keys.filter { !created.contains($0) }
            let lastRow = try Self.lastMessageRow(db)
            try SQLiteConversationStore.insertRows(messages, db: db)
            try SQLiteConversationStore.enqueue(events, db: db)
            // A row key is the largest so far plus one, so the batch went to the rows after `lastRow`, in order,
            // unless the keys ran out (then SQLite picks free ones at random, and the rows are not known).
            let firstRow = try Self.lastMessageRow(db) == lastRow + Int64(messages.count) ? lastRow + 1 : nil
            return (firstRow, existing)
        }
        progress.withLock { progress in
            if let keys { progress.keys?.record(keys, firstRow: firstRow) }
            progress.existing.formUnion(existing)
            progress.summaries.merge(changes) { earlier, later in
                var merged = earlier
                merged.add(later)
                return merged
            }
        }
    }

    func storeCallMedia(_ media: [ImportedCallMedia]) async throws {
        guard !media.isEmpty else { return }
        try await inSavepoint { db in
            for item in media {
                if let transcription = item.transcription { try SQLiteConversationStore.setTranscription(transcription, db: db) }
                guard let recording = item.recording else { continue }
                // Served as it is written: the transaction shows it whole or not at all.
                var file = recording.file
                file.served = true
                try SQLiteConversationStore.createFile(file, db: db)
                for (index, chunk) in recording.chunks.enumerated() {
                    try SQLiteConversationStore.appendFileChunk(file.token, index: index, bytes: chunk, db: db)
                }
            }
        }
    }

    /// Writes the summaries, builds the indexes and commits.
    func commit() async throws {
        // The ids are let go first: the index builds below are the import's peak of memory.
        let (summaries, existing) = progress.withLock { progress in
            progress.keys = nil
            return (progress.summaries, progress.existing)
        }
        try await connection.writeWithoutTransaction { [deferredIndexes, deferredTriggers, conversationRowsBefore] db in
            try Self.requireTransaction(db)
            for table in ["contacts", "conversations"] where try Row.fetchOne(db, sql: "PRAGMA foreign_key_check(\(table))") != nil {
                throw StoreError.unavailable("the import wrote \(table) of a location that does not exist")
            }
            // The load's conversations get their summaries, then enter the search index together; the triggers are
            // back for the conversations that were there before, which the index already holds.
            try SQLiteConversationStore.apply(summaries.filter { !existing.contains($0.key) }, db: db)
            try ConversationSearchIndex.indexConversations(after: conversationRowsBefore, db: db)
            for trigger in deferredTriggers { try db.execute(sql: trigger) }
            try SQLiteConversationStore.apply(summaries.filter { existing.contains($0.key) }, db: db)
            for index in deferredIndexes { try db.execute(sql: index) }
            try db.execute(sql: "COMMIT")
        }
        // The write-ahead log now holds the whole import, already copied into the database by the commit's checkpoint.
        // Left at that size, the next process to open the database would read all of it to rebuild its index (a
        // cold start of 0.8 s instead of 0.1 s after 1,100,000 messages), so it is emptied. Best effort, and brief:
        // a reader still on the log would make it wait, holding writers off, so it gives up after 100 ms and leaves
        // the log as it is, which costs time, not data.
        _ = try? await connection.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 100")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        // Committed: a failure to close now is no failure of the import (the connection closes when released).
        try? connection.close()
    }

    func rollBack() async {
        await Self.rollBack(connection)
    }

    /// Rolls back whatever is open and closes the connection, even in a cancelled task (GRDB checks for
    /// cancellation before it runs a block, and the rollback must run anyway).
    private static func rollBack(_ connection: DatabaseQueue) async {
        await Task.detached {
            _ = try? await connection.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
            }
            try? connection.close()
        }.value
    }

    /// SQLite ends a transaction by itself on some errors (a full disk, an I/O error, an interrupt); what this load
    /// would write after that must not commit piece by piece.
    private static func requireTransaction(_ db: Database) throws {
        guard db.isInsideTransaction else {
            throw StoreError.unavailable("the import's transaction was ended by the database; nothing of it was stored")
        }
    }

    private static func lastMessageRow(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM messages") ?? 0
    }

    /// Runs `body` all or nothing within the load's transaction; a unique key it breaks is `StoreError.duplicate`.
    @discardableResult
    private func inSavepoint<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await connection.writeWithoutTransaction { db in
                try Self.requireTransaction(db)
                try db.execute(sql: "SAVEPOINT import_batch")
                do {
                    let result = try body(db)
                    try db.execute(sql: "RELEASE import_batch")
                    return result
                } catch {
                    // Unless SQLite has already ended the whole transaction (then this error is the one to report).
                    if db.isInsideTransaction {
                        try db.execute(sql: "ROLLBACK TO import_batch")
                        try db.execute(sql: "RELEASE import_batch")
                    }
                    throw error
                }
            }
        } catch let error as DatabaseError {
            throw SQLiteConversationStore.storeError(error)
        }
    }
}
