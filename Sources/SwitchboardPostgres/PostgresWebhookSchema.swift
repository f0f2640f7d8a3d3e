/// Migration 004: webhook subscriptions, the outbox and the webhook signing keys, as in the SQLite backend.
extension PostgresMigrations {
    static let webhooks = Migration(
        name: "004_webhooks",
        statements: [
            """
            CREATE TABLE webhook_subscriptions (
                id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                location_id TEXT COLLATE "C" NOT NULL REFERENCES locations(id),
                url TEXT COLLATE "C" NOT NULL,
                events TEXT COLLATE "C" NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhook_subscriptions_by_location ON webhook_subscriptions (location_id)",
            """
            CREATE TABLE webhook_events (
                seq BIGSERIAL PRIMARY KEY,
                type TEXT COLLATE "C" NOT NULL,
                location_id TEXT COLLATE "C" NOT NULL,
                conversation_id TEXT COLLATE "C",
                payload TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE webhook_deliveries (
                webhook_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                event_seq BIGINT NOT NULL REFERENCES webhook_events(seq),
                subscription_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
                order_key TEXT COLLATE "C" NOT NULL,
                state TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                leased_until BIGINT,
                lease_token TEXT COLLATE "C",
                last_attempt_at BIGINT,
                last_status INTEGER,
                last_error TEXT,
                latency_ms INTEGER
            )
            """,
            // In claim order (due time, then write order), so a claim reads the due heads first and stops at its limit.
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, event_seq) WHERE state = 'pending'",
            """
            CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, order_key, event_seq)
                WHERE state = 'pending'
            """,
            "CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_seq)",
            """
            CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (last_attempt_at)
                WHERE state IN ('delivered', 'dead')
            """,
            """
            CREATE TABLE webhook_signing_keys (
                id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                algorithm TEXT COLLATE "C" NOT NULL,
                secret TEXT COLLATE "C" NOT NULL,
                created_at BIGINT NOT NULL,
                retired_at BIGINT
            )
            """,
            // One active key per algorithm, even when two instances create the first one at once.
            """
            CREATE UNIQUE INDEX webhook_signing_keys_one_active ON webhook_signing_keys (algorithm)
                WHERE retired_at IS NULL
            """,
        ])
}
