import GRDB

/// Migration 006: conversation providers, each with the webhook subscription of the same id its messages are
/// delivered through, the recipient of an event meant for one subscription, and the event a scheduled send holds
/// back. PostgreSQL has the same migration, by name.
enum SQLiteProviderSchema {
    static let migrationName = "006_conversation_providers"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE conversation_providers (
                    id TEXT NOT NULL PRIMARY KEY REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
                    location_id TEXT NOT NULL REFERENCES locations(id),
                    name TEXT NOT NULL,
                    channel TEXT NOT NULL CHECK (channel IN ('SMS', 'Email')),
                    is_default INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX conversation_providers_by_location ON conversation_providers(location_id);
                -- The one subscription an event is for (a provider's message); NULL for every subscription asking for it.
                ALTER TABLE webhook_events ADD COLUMN recipient TEXT;
                -- An event held back until a scheduled send goes out (a provider's message, made at the send).
                ALTER TABLE scheduled_sends ADD COLUMN held_type TEXT;
                ALTER TABLE scheduled_sends ADD COLUMN held_payload TEXT;
                ALTER TABLE scheduled_sends ADD COLUMN held_recipient TEXT;
                """)
    }
}
