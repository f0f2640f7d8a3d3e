import GRDB

/// Migration 012: uploaded files (`FileStore`) and their bytes in chunks. Bytes live in the database, as on
/// PostgreSQL: a file goes with its conversation in the same transaction, a backup or `reset` takes files with
/// everything else, and one design serves both backends. PostgreSQL has the same migration, by name.
enum SQLiteFileSchema {
    static let migrationName = "012_files"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE files (
                    token TEXT PRIMARY KEY NOT NULL,
                    upload_id TEXT UNIQUE,
                    location_id TEXT NOT NULL,
                    conversation_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    max_size INTEGER NOT NULL,
                    expires_at INTEGER,
                    created_at INTEGER NOT NULL,
                    claimed INTEGER NOT NULL DEFAULT 0,
                    size INTEGER,
                    etag TEXT,
                    served INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX files_by_conversation ON files(location_id, conversation_id);
                CREATE TABLE file_chunks (
                    token TEXT NOT NULL,
                    chunk INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    PRIMARY KEY (token, chunk)
                ) WITHOUT ROWID;
                """)
    }
}
