/// Migration 002: OAuth apps, installations, grants and signing keys, as in the SQLite backend.
/// Apps, grants and keys are looked up by client id, hash or key id alone, never by location: on Citus these are
/// reference tables.
extension PostgresMigrations {
    static let oauth = Migration(
        name: "002_oauth_apps_installations_grants_keys",
        statements: [
            """
            CREATE TABLE oauth_apps (
                client_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                name TEXT COLLATE "C" NOT NULL,
                secret_hash TEXT COLLATE "C" NOT NULL,
                scopes TEXT COLLATE "C" NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE oauth_installations (
                id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                client_id TEXT COLLATE "C" NOT NULL REFERENCES oauth_apps(client_id),
                user_type TEXT COLLATE "C" NOT NULL CHECK (user_type IN ('Location', 'Company')),
                location_id TEXT COLLATE "C" REFERENCES locations(id),
                company_id TEXT COLLATE "C",
                user_id TEXT COLLATE "C" NOT NULL,
                scopes TEXT COLLATE "C" NOT NULL,
                created_at BIGINT NOT NULL,
                CHECK ((user_type = 'Location') = (location_id IS NOT NULL))
            )
            """,
            "CREATE INDEX oauth_installations_by_location ON oauth_installations (location_id, client_id)",
            // Refresh tokens and authorization codes, by hash; used_at marks a spent one.
            """
            CREATE TABLE oauth_grants (
                token_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                kind TEXT COLLATE "C" NOT NULL,
                installation_id TEXT COLLATE "C" NOT NULL REFERENCES oauth_installations(id),
                client_id TEXT COLLATE "C" NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            "CREATE INDEX oauth_grants_by_installation ON oauth_grants (installation_id)",
            """
            CREATE TABLE oauth_signing_keys (
                id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                secret TEXT COLLATE "C" NOT NULL,
                created_at BIGINT NOT NULL,
                retired_at BIGINT
            )
            """,
            // At most one active key, even when two instances create the first one at once.
            """
            CREATE UNIQUE INDEX oauth_signing_keys_one_active ON oauth_signing_keys ((retired_at IS NULL))
                WHERE retired_at IS NULL
            """,
        ])
}
