import GRDB

/// Migration 015: the messages table keeps its rows by SQLite's integer row key, and a message's id is a unique
/// index of its own (`messages_by_id`) instead of the table's primary key.
///
/// A primary key over text is an index SQLite keeps up to date on every insert, and cannot set aside. HighLevel's ids
/// are random, so an import of a real export inserted into it at random places: 1,100,000 realistic messages went in
/// at 45–55k messages/s. As an index of its own, a bulk load sets it aside with the others and builds it once,
/// sorted, after the rows (`SQLiteBulkLoad`), which refuses a repeated id itself meanwhile. Reads are as before: a
/// message by id was already found through the primary key's index and then its row.
///
/// An existing table is copied into the new shape once, row keys kept: 17–22 s for 1,100,000 messages, at the first
/// start after the upgrade.
enum SQLiteMessageKeySchema {
    static let migrationName = "015_messages_row_key"

    static let uniqueIndex = "CREATE UNIQUE INDEX messages_by_id ON messages(location_id, id)"

    static func create(_ db: Database) throws {
        let columns = """
            location_id, id, conversation_id, contact_id, type_code, direction, status, body, content_type, date_added,
            date_updated, source, user_id, alt_id, attachments, call_duration, call_status, email_message_ids,
            conversation_provider_id, chat_widget_id
            """
        try db.execute(
            sql: """
                CREATE TABLE messages_by_row (
                    location_id TEXT NOT NULL,
                    id TEXT NOT NULL,
                    conversation_id TEXT NOT NULL,
                    contact_id TEXT NOT NULL,
                    type_code INTEGER NOT NULL,
                    direction TEXT,
                    status TEXT,
                    body TEXT,
                    content_type TEXT,
                    date_added INTEGER NOT NULL,
                    date_updated INTEGER NOT NULL,
                    source TEXT,
                    user_id TEXT,
                    alt_id TEXT,
                    attachments TEXT,
                    call_duration INTEGER,
                    call_status TEXT,
                    email_message_ids TEXT,
                    conversation_provider_id TEXT,
                    chat_widget_id TEXT,
                    FOREIGN KEY (location_id, conversation_id) REFERENCES conversations(location_id, id)
                );
                INSERT INTO messages_by_row (rowid, \(columns)) SELECT rowid, \(columns) FROM messages ORDER BY rowid;
                DROP TABLE messages;
                ALTER TABLE messages_by_row RENAME TO messages;
                \(uniqueIndex);
                -- The page index: one keyset range scan per page, whatever its depth.
                CREATE INDEX messages_page ON messages(conversation_id, date_added, id);
                -- The export walks a whole location by date.
                CREATE INDEX messages_export_created ON messages(location_id, date_added, id);
                CREATE INDEX messages_export_updated ON messages(location_id, date_updated, id);
                """)
    }
}
