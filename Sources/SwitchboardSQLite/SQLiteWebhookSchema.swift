import GRDB

/// Migration 004: webhook subscriptions, the outbox (events, and a delivery per event and subscription) and the
/// keys deliveries are signed with. PostgreSQL has the same migration, by name.
enum SQLiteWebhookSchema {
    static let migrationName = "004_webhooks"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE webhook_subscriptions (
                    id TEXT NOT NULL PRIMARY KEY,
                    location_id TEXT NOT NULL REFERENCES locations(id),
                    url TEXT NOT NULL,
                    -- The event types, space-separated; empty for every event.
                    events TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX webhook_subscriptions_by_location ON webhook_subscriptions(location_id);
                CREATE TABLE webhook_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    type TEXT NOT NULL,
                    location_id TEXT NOT NULL,
                    conversation_id TEXT,
                    payload TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE webhook_deliveries (
                    webhook_id TEXT NOT NULL PRIMARY KEY,
                    event_seq INTEGER NOT NULL REFERENCES webhook_events(seq),
                    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
                    -- Deliveries with the same subscription and key go out one at a time, in event order.
                    order_key TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    leased_until INTEGER,
                    -- Which claim holds the lease: only that claim's outcome is recorded.
                    lease_token TEXT,
                    last_attempt_at INTEGER,
                    last_status INTEGER,
                    last_error TEXT,
                    latency_ms INTEGER
                );
                -- In claim order (due time, then write order), so a claim reads the due heads first and stops at its limit.
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, event_seq) WHERE state = 'pending';
                CREATE INDEX webhook_deliveries_order ON webhook_deliveries(subscription_id, order_key, event_seq)
                    WHERE state = 'pending';
                CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries(event_seq);
                CREATE INDEX webhook_deliveries_settled ON webhook_deliveries(last_attempt_at) WHERE state IN ('delivered', 'dead');
                CREATE TABLE webhook_signing_keys (
                    id TEXT NOT NULL PRIMARY KEY,
                    algorithm TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    retired_at INTEGER
                );
                -- One active key per algorithm, even when two processes create the first one at once.
                CREATE UNIQUE INDEX webhook_signing_keys_one_active ON webhook_signing_keys(algorithm)
                    WHERE retired_at IS NULL;
                """)
    }
}
