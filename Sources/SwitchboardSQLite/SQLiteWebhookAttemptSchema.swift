import GRDB

/// Migration 007: every attempt of a delivery, kept as long as the delivery (pruned, reset and replayed with it).
/// PostgreSQL has the same migration, by name.
enum SQLiteWebhookAttemptSchema {
    static let migrationName = "007_webhook_attempts"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE webhook_attempts (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    webhook_id TEXT NOT NULL REFERENCES webhook_deliveries(webhook_id) ON DELETE CASCADE,
                    attempted_at INTEGER NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
                    status INTEGER,
                    latency_ms INTEGER NOT NULL,
                    error TEXT
                );
                CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(webhook_id);
                """)
    }
}
