/// Migration 011: calls' transcriptions, beside their messages, as in the SQLite backend.
extension PostgresMigrations {
    static let callTranscriptions = Migration(
        name: "011_call_transcriptions",
        statements: [
            """
            CREATE TABLE call_transcriptions (
                location_id TEXT COLLATE "C" NOT NULL,
                message_id TEXT COLLATE "C" NOT NULL,
                conversation_id TEXT COLLATE "C" NOT NULL,
                sentences TEXT NOT NULL,
                PRIMARY KEY (location_id, message_id)
            )
            """,
            "CREATE INDEX call_transcriptions_by_conversation ON call_transcriptions (conversation_id)",
        ])
}
