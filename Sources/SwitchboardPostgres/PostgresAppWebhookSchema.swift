/// Migration 008: a subscription belongs to a location or to an OAuth app, as in the SQLite backend.
extension PostgresMigrations {
    static let appWebhookSubscriptions = Migration(
        name: "008_app_webhook_subscriptions",
        statements: [
            """
            ALTER TABLE webhook_subscriptions
                ALTER COLUMN location_id DROP NOT NULL,
                ADD COLUMN app_client_id TEXT COLLATE "C" REFERENCES oauth_apps(client_id) ON DELETE CASCADE,
                ADD CONSTRAINT webhook_subscriptions_one_owner CHECK ((location_id IS NULL) <> (app_client_id IS NULL))
            """,
            """
            CREATE INDEX webhook_subscriptions_by_app ON webhook_subscriptions (app_client_id)
                WHERE app_client_id IS NOT NULL
            """,
        ])
}
