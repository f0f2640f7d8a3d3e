/// Migration 012: uploaded files and their bytes in chunks, as in the SQLite backend (`SQLiteFileSchema` says why
/// the bytes live in the database).
extension PostgresMigrations {
    static let files = Migration(
        name: "012_files",
        statements: [
            """
            CREATE TABLE files (
                token TEXT COLLATE "C" PRIMARY KEY,
                upload_id TEXT COLLATE "C" UNIQUE,
                location_id TEXT COLLATE "C" NOT NULL,
                conversation_id TEXT COLLATE "C" NOT NULL,
                name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                max_size BIGINT NOT NULL,
                expires_at BIGINT,
                created_at BIGINT NOT NULL,
                claimed BOOLEAN NOT NULL DEFAULT FALSE,
                size BIGINT,
                etag TEXT,
                served BOOLEAN NOT NULL DEFAULT FALSE
            )
            """,
            "CREATE INDEX files_by_conversation ON files (location_id, conversation_id)",
            """
            CREATE TABLE file_chunks (
                token TEXT COLLATE "C" NOT NULL,
                chunk INTEGER NOT NULL,
                bytes BYTEA NOT NULL,
                PRIMARY KEY (token, chunk)
            )
            """,
        ])
}
