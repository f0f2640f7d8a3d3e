/// Migration 009: each email's own record, beside its message, as in the SQLite backend.
extension PostgresMigrations {
    static let emailRecords = Migration(
        name: "009_email_records",
        statements: [
            """
            CREATE TABLE email_records (
                id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                location_id TEXT COLLATE "C" NOT NULL,
                conversation_id TEXT COLLATE "C" NOT NULL,
                message_id TEXT COLLATE "C" NOT NULL,
                thread_id TEXT COLLATE "C" NOT NULL,
                headers TEXT NOT NULL
            )
            """,
            "CREATE INDEX email_records_by_conversation ON email_records (conversation_id)",
        ])
}
