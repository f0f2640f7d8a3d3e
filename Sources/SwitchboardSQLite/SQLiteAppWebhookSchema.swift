import GRDB

/// Migration 008: a subscription belongs to a location or to an OAuth app (which receives the events of each location
/// it is installed on). SQLite cannot drop a NOT NULL, so the table is rebuilt; the migrator runs with foreign keys
/// off and checks them before committing, so the deliveries and providers that refer to it by id keep their rows.
/// PostgreSQL has the same migration, by name.
enum SQLiteAppWebhookSchema {
    static let migrationName = "008_app_webhook_subscriptions"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE webhook_subscriptions_next (
                    id TEXT NOT NULL PRIMARY KEY,
                    location_id TEXT REFERENCES locations(id),
                    app_client_id TEXT REFERENCES oauth_apps(client_id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    -- The event types, space-separated; empty for every event.
                    events TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    CHECK ((location_id IS NULL) <> (app_client_id IS NULL))
                );
                INSERT INTO webhook_subscriptions_next (id, location_id, url, events, created_at)
                    SELECT id, location_id, url, events, created_at FROM webhook_subscriptions;
                DROP TABLE webhook_subscriptions;
                ALTER TABLE webhook_subscriptions_next RENAME TO webhook_subscriptions;
                CREATE INDEX webhook_subscriptions_by_location ON webhook_subscriptions(location_id);
                CREATE INDEX webhook_subscriptions_by_app ON webhook_subscriptions(app_client_id)
                    WHERE app_client_id IS NOT NULL;
                """)
    }
}
