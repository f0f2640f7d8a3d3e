import GRDB
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension SQLiteConversationStore {
    /// Children before parents (the foreign keys are enforced). The search index is emptied at once rather than row
    /// by row through its delete trigger.
    public func reset(_ scope: ResetScope, logger: Logger) async throws {
        try await write { db in
            try db.execute(sql: """
                DELETE FROM webhook_deliveries;
                DELETE FROM webhook_events;
                DELETE FROM messages;
                DROP TRIGGER conversation_search_delete;
                DELETE FROM conversations;
                DELETE FROM \(ConversationSearchIndex.table);
                \(ConversationSearchIndex.deleteTrigger)
                DELETE FROM contacts;
                """)
            guard scope == .everything else { return }
            try db.execute(sql: """
                DELETE FROM oauth_grants;
                DELETE FROM oauth_installations;
                DELETE FROM oauth_apps;
                DELETE FROM webhook_subscriptions;
                DELETE FROM tokens;
                DELETE FROM locations;
                """)
        }
    }

    public func latestMessageTime(logger: Logger) async throws -> Timestamp? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(MAX(date_added), MAX(date_updated)) FROM messages")
                .map(Timestamp.init(rawValue:))
        }
    }
}
