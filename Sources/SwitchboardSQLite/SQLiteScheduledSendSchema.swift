import GRDB

/// Migration 005: scheduled sends, a row per message waiting for its time. PostgreSQL has the same migration, by name.
enum SQLiteScheduledSendSchema {
    static let migrationName = "005_scheduled_sends"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE scheduled_sends (
                    location_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    due_at INTEGER NOT NULL,
                    PRIMARY KEY (location_id, message_id),
                    FOREIGN KEY (location_id, message_id) REFERENCES messages(location_id, id) ON DELETE CASCADE
                );
                CREATE INDEX scheduled_sends_due ON scheduled_sends(due_at);
                """)
    }
}
