import GRDB

/// Migration 011: calls' transcriptions (`CallMediaStore`), beside their messages; written first, so no foreign key.
/// PostgreSQL has the same migration, by name.
enum SQLiteCallSchema {
    static let migrationName = "011_call_transcriptions"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE call_transcriptions (
                    location_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    conversation_id TEXT NOT NULL,
                    sentences TEXT NOT NULL,
                    PRIMARY KEY (location_id, message_id)
                );
                CREATE INDEX call_transcriptions_by_conversation ON call_transcriptions(conversation_id);
                """)
    }
}
