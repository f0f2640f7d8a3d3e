import GRDB

/// Migration 002: OAuth apps, installations, grants and signing keys. PostgreSQL has the same migration, by name.
/// Apps, grants and keys are looked up by client id, hash or key id alone, never by location.
enum SQLiteOAuthSchema {
    static let migrationName = "002_oauth_apps_installations_grants_keys"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE oauth_apps (
                    client_id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE oauth_installations (
                    id TEXT NOT NULL PRIMARY KEY,
                    client_id TEXT NOT NULL REFERENCES oauth_apps(client_id),
                    user_type TEXT NOT NULL CHECK (user_type IN ('Location', 'Company')),
                    location_id TEXT REFERENCES locations(id),
                    company_id TEXT,
                    user_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    CHECK ((user_type = 'Location') = (location_id IS NOT NULL))
                );
                CREATE INDEX oauth_installations_by_location ON oauth_installations(location_id, client_id);
                -- Refresh tokens and authorization codes, by hash; used_at marks a spent one.
                CREATE TABLE oauth_grants (
                    token_hash TEXT NOT NULL PRIMARY KEY,
                    kind TEXT NOT NULL,
                    installation_id TEXT NOT NULL REFERENCES oauth_installations(id),
                    client_id TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER
                );
                CREATE INDEX oauth_grants_by_installation ON oauth_grants(installation_id);
                CREATE TABLE oauth_signing_keys (
                    id TEXT NOT NULL PRIMARY KEY,
                    secret TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    retired_at INTEGER
                );
                -- At most one active key, even when two processes create the first one at once.
                CREATE UNIQUE INDEX oauth_signing_keys_one_active ON oauth_signing_keys((retired_at IS NULL))
                    WHERE retired_at IS NULL;
                """)
    }
}
