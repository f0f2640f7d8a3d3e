/// Migration 006: conversation providers, the recipient of an event meant for one subscription, and the event a
/// scheduled send holds back, as in the SQLite backend.
extension PostgresMigrations {
    static let conversationProviders = Migration(
        name: "006_conversation_providers",
        statements: [
            """
            CREATE TABLE conversation_providers (
                id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
                location_id TEXT COLLATE "C" NOT NULL REFERENCES locations(id),
                name TEXT NOT NULL,
                channel TEXT COLLATE "C" NOT NULL CHECK (channel IN ('SMS', 'Email')),
                is_default BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX conversation_providers_by_location ON conversation_providers (location_id)",
            // The one subscription an event is for (a provider's message); NULL for every subscription asking for it.
            "ALTER TABLE webhook_events ADD COLUMN recipient TEXT COLLATE \"C\"",
            // An event held back until a scheduled send goes out (a provider's message, made at the send).
            """
            ALTER TABLE scheduled_sends ADD COLUMN held_type TEXT COLLATE "C", ADD COLUMN held_payload TEXT,
                ADD COLUMN held_recipient TEXT COLLATE "C"
            """,
        ])
}
