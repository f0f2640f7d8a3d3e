/// Migration 005: scheduled sends, as in the SQLite backend.
extension PostgresMigrations {
    static let scheduledSends = Migration(
        name: "005_scheduled_sends",
        statements: [
            """
            CREATE TABLE scheduled_sends (
                location_id TEXT COLLATE "C" NOT NULL,
                message_id TEXT COLLATE "C" NOT NULL,
                due_at BIGINT NOT NULL,
                PRIMARY KEY (location_id, message_id),
                FOREIGN KEY (location_id, message_id) REFERENCES messages (location_id, id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX scheduled_sends_due ON scheduled_sends (due_at)",
        ])
}
