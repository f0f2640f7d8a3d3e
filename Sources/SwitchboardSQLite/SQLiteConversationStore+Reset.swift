import GRDB
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension SQLiteConversationStore {
    /// Children before parents, in one transaction. Foreign-key checks are off for it (every child row goes before
    /// its parent, so none would fail) and `secure_delete` is `FAST` (freed pages are not zeroed one by one): with
    /// both, emptying 10,000 messages takes about 16 ms instead of 125. The search index is emptied at once rather
    /// than row by row through its delete trigger.
    public func reset(_ scope: ResetScope, logger: Logger) async throws {
        do {
            try await pool.writeWithoutTransaction { db in
                let secureDelete = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 1
                try db.execute(sql: "PRAGMA foreign_keys = OFF; PRAGMA secure_delete = FAST")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON; PRAGMA secure_delete = \(secureDelete)") }
                try db.inTransaction(.immediate) {
                    try db.execute(sql: """
                        DELETE FROM webhook_attempts;
                        DELETE FROM webhook_deliveries;
                        DELETE FROM webhook_events;
                        DELETE FROM scheduled_sends;
                        DELETE FROM email_records;
                        DELETE FROM call_transcriptions;
                        DELETE FROM file_chunks;
                        DELETE FROM files;
                        DELETE FROM subscription_choices;
                        DELETE FROM messages;
                        DROP TRIGGER conversation_search_delete;
                        DELETE FROM conversations;
                        DELETE FROM \(ConversationSearchIndex.table);
                        \(ConversationSearchIndex.deleteTrigger)
                        DELETE FROM contacts;
                        """)
                    if scope == .everything {
                        try db.execute(sql: """
                            DELETE FROM oauth_grants;
                            DELETE FROM oauth_installations;
                            DELETE FROM oauth_apps;
                            DELETE FROM conversation_providers;
                            DELETE FROM custom_subtypes;
                            DELETE FROM webhook_subscriptions;
                            DELETE FROM tokens;
                            DELETE FROM locations;
                            """)
                    }
                    return .commit
                }
            }
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    public func latestMessageTime(logger: Logger) async throws -> Timestamp? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(MAX(date_added), MAX(date_updated)) FROM messages")
                .map(Timestamp.init(rawValue:))
        }
    }
}
