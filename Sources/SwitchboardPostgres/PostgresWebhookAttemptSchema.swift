/// Migration 007: every attempt of a delivery, as in the SQLite backend.
extension PostgresMigrations {
    static let webhookAttempts = Migration(
        name: "007_webhook_attempts",
        statements: [
            """
            CREATE TABLE webhook_attempts (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                webhook_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_deliveries(webhook_id) ON DELETE CASCADE,
                attempted_at BIGINT NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
                status BIGINT,
                latency_ms BIGINT NOT NULL,
                error TEXT
            )
            """,
            "CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (webhook_id)",
        ])
}
