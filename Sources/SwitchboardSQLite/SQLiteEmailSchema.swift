import GRDB

/// Migration 009: each email's own record (`EmailRecord`), beside its message. No foreign key to the message: the
/// record is written first (see `EmailStore`). PostgreSQL has the same migration, by name.
enum SQLiteEmailSchema {
    static let migrationName = "009_email_records"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE email_records (
                    id TEXT NOT NULL PRIMARY KEY,
                    location_id TEXT NOT NULL,
                    conversation_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    thread_id TEXT NOT NULL,
                    headers TEXT NOT NULL
                );
                CREATE INDEX email_records_by_conversation ON email_records(conversation_id);
                """)
    }
}
