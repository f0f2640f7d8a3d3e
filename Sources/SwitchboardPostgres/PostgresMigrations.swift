public import Logging
import PostgresNIO

/// The schema's history: the same names, in the same order, as the SQLite backend's migrations (a test checks).
/// A migration that has shipped is never edited; changes come as new migrations.
///
/// Every text column is `COLLATE "C"`: ids order and compare byte-wise, whatever the cluster's default collation,
/// exactly like SQLite's BINARY, and `lower()` folds ASCII only, like SQLite's `lower()` and `NOCASE`.
/// Every table carries `location_id` and keys lead with it (or with `conversation_id`), so the schema distributes
/// on Citus by `location_id`. Tokens are looked up by hash alone, so on Citus they are a reference table, and
/// their hash stays globally unique as in SQLite.
enum PostgresMigrations {
    struct Migration: Sendable {
        var name: String
        /// One statement each: the extended query protocol runs a single statement at a time.
        var statements: [String]
    }

    /// Taken by every migration transaction, so instances starting together apply each migration once.
    static let advisoryLockKey: Int64 = 0x5357_4254_4348_0001

    static let all: [Migration] = [
        Migration(
            name: "001_locations_tokens_conversations_messages",
            statements: [
                """
                CREATE TABLE locations (
                    id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    name TEXT COLLATE "C" NOT NULL,
                    date_added BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE tokens (
                    location_id TEXT COLLATE "C" NOT NULL REFERENCES locations(id),
                    id TEXT COLLATE "C" NOT NULL,
                    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
                    name TEXT COLLATE "C" NOT NULL,
                    scopes TEXT COLLATE "C" NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT,
                    PRIMARY KEY (location_id, id)
                )
                """,
                """
                CREATE TABLE contacts (
                    location_id TEXT COLLATE "C" NOT NULL REFERENCES locations(id),
                    id TEXT COLLATE "C" NOT NULL,
                    first_name TEXT COLLATE "C",
                    last_name TEXT COLLATE "C",
                    name TEXT COLLATE "C",
                    email TEXT COLLATE "C",
                    phone TEXT COLLATE "C",
                    company_name TEXT COLLATE "C",
                    date_added BIGINT NOT NULL,
                    date_updated BIGINT NOT NULL,
                    PRIMARY KEY (location_id, id)
                )
                """,
                "CREATE INDEX contacts_by_email ON contacts (location_id, lower(email))",
                "CREATE INDEX contacts_by_phone ON contacts (location_id, phone)",
                // Counts are BIGINT because SQLite's INTEGER holds 64 bits: a value SQLite stores must fit here too.
                """
                CREATE TABLE conversations (
                    location_id TEXT COLLATE "C" NOT NULL REFERENCES locations(id),
                    id TEXT COLLATE "C" NOT NULL,
                    contact_id TEXT COLLATE "C" NOT NULL,
                    date_added BIGINT NOT NULL,
                    date_updated BIGINT NOT NULL,
                    unread_count BIGINT NOT NULL DEFAULT 0,
                    starred BOOLEAN NOT NULL DEFAULT FALSE,
                    deleted BOOLEAN NOT NULL DEFAULT FALSE,
                    last_message_id TEXT COLLATE "C",
                    last_message_body TEXT COLLATE "C",
                    last_message_type INTEGER,
                    last_message_date BIGINT,
                    last_message_direction TEXT COLLATE "C",
                    feedback TEXT COLLATE "C",
                    PRIMARY KEY (location_id, id),
                    UNIQUE (location_id, contact_id)
                )
                """,
                "CREATE INDEX conversations_by_id ON conversations (id)",
                // The search's sort key, so a search page is an index range too.
                """
                CREATE INDEX conversations_by_last_message
                    ON conversations (location_id, (COALESCE(last_message_date, date_added)), id)
                """,
                """
                CREATE TABLE messages (
                    location_id TEXT COLLATE "C" NOT NULL,
                    id TEXT COLLATE "C" NOT NULL,
                    conversation_id TEXT COLLATE "C" NOT NULL,
                    contact_id TEXT COLLATE "C" NOT NULL,
                    type_code INTEGER NOT NULL,
                    direction TEXT COLLATE "C",
                    status TEXT COLLATE "C",
                    body TEXT COLLATE "C",
                    content_type TEXT COLLATE "C",
                    date_added BIGINT NOT NULL,
                    date_updated BIGINT NOT NULL,
                    source TEXT COLLATE "C",
                    user_id TEXT COLLATE "C",
                    alt_id TEXT COLLATE "C",
                    attachments TEXT COLLATE "C",
                    call_duration BIGINT,
                    call_status TEXT COLLATE "C",
                    email_message_ids TEXT COLLATE "C",
                    conversation_provider_id TEXT COLLATE "C",
                    chat_widget_id TEXT COLLATE "C",
                    PRIMARY KEY (location_id, id),
                    FOREIGN KEY (location_id, conversation_id) REFERENCES conversations (location_id, id)
                )
                """,
                // The page index: one keyset range scan per page, whatever its depth. Unlike SQLite's it also
                // holds location_id, so both equalities of the page query are index conditions and the planner
                // never prefers a bitmap over it, even before the table has statistics.
                "CREATE INDEX messages_page ON messages (location_id, conversation_id, date_added, id)",
                // The export walks a whole location by date.
                "CREATE INDEX messages_export_created ON messages (location_id, date_added, id)",
                "CREATE INDEX messages_export_updated ON messages (location_id, date_updated, id)",
            ]),
        oauth,  // PostgresOAuthSchema.swift
        conversationSearchIndex,
        webhooks,  // PostgresWebhookSchema.swift
        scheduledSends,  // PostgresScheduledSendSchema.swift
        conversationProviders,  // PostgresProviderSchema.swift
        webhookAttempts,  // PostgresWebhookAttemptSchema.swift
        appWebhookSubscriptions,  // PostgresAppWebhookSchema.swift
        emailRecords,  // PostgresEmailSchema.swift
        preferences,  // PostgresPreferencesSchema.swift
        callTranscriptions,  // PostgresCallSchema.swift
        files,  // PostgresFileSchema.swift
        contactTagsAndDnd,  // PostgresContactTagsSchema.swift
        clusterCoordination,  // PostgresClusterSchema.swift, PostgresRateLimitSchema.swift
        messagesRowKey,
        searchIndexByLocation,
        searchBodies,  // PostgresSearchBodySchema.swift
        searchWords,  // PostgresSearchWordSchema.swift
    ]

    /// Migration 015 rebuilt SQLite's messages table around its integer row key, so that a bulk load can set the
    /// id's index aside (`SQLiteMessageKeySchema`). A PostgreSQL table's rows are never ordered by its primary key,
    /// and its import copies rows in with the indexes kept, so here the migration only keeps the names in step.
    static let messagesRowKey = Migration(name: "015_messages_row_key", statements: [])

    /// Migration 016 gave SQLite's search index row ids by location and put its `conversations_by_last_message` on
    /// the sort key; here the trigram indexes are on the rows themselves and that index has been on the sort key since
    /// migration 001, so again only the name is kept in step.
    static let searchIndexByLocation = Migration(name: "016_search_index_by_location", statements: [])

    /// Trigram indexes (pg_trgm) over what conversation search matches, so a search reads the matching rows
    /// rather than every conversation of the location. pg_trgm is created if missing (it is a trusted extension
    /// from PostgreSQL 13: the database owner may create it); where it cannot be, search works without the index.
    static let conversationSearchIndex = Migration(
        name: "003_conversation_search_index",
        statements: [
            """
            DO $$
            DECLARE trgm text;
            BEGIN
                SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'pg_trgm';
                IF trgm IS NULL THEN
                    BEGIN
                        CREATE EXTENSION pg_trgm;
                    EXCEPTION WHEN OTHERS THEN
                        RAISE WARNING 'pg_trgm is not available (%): conversation search reads every conversation', SQLERRM;
                        RETURN;
                    END;
                    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = 'pg_trgm';
                END IF;
                EXECUTE format('CREATE INDEX conversations_search_body ON conversations
                    USING gin (lower(COALESCE(last_message_body, %L)) %I.gin_trgm_ops)', '', trgm);
                -- A contact's four searched fields in one expression, one line each: one index scan, not four.
                EXECUTE format('CREATE INDEX contacts_search ON contacts USING gin (lower(
                    COALESCE(name, %L) || chr(10) || COALESCE(first_name || %L || last_name, %L) || chr(10)
                    || COALESCE(email, %L) || chr(10) || COALESCE(phone, %L)) %I.gin_trgm_ops)',
                    '', ' ', '', '', '', trgm);
            END $$
            """,
        ])
}

extension PostgresConversationStore {
    /// The migration names, in order; equal to `SQLiteConversationStore.migrationNames`.
    public static var migrationNames: [String] { PostgresMigrations.all.map(\.name) }

    /// Applies pending migrations, each in its own transaction under an advisory lock, so any number of instances
    /// may call this at once. Needs `client.run()` to be running.
    public func migrate(logger: Logger) async throws {
        try await run("migrate", logger: logger, statements: 4) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await Self.lock(connection, logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
                    logger: logger)
            }
        }
        for migration in PostgresMigrations.all {
            let applied = try await run("migrate", logger: logger, statements: migration.statements.count + 5) { connection in
                try await connection.withTransaction(logger: logger) { connection -> Bool in
                    try await Self.lock(connection, logger: logger)
                    let done = try await connection.fetch(
                        "SELECT 1 FROM schema_migrations WHERE name = \(migration.name)", logger: logger) { _ in true }
                    guard done.isEmpty else { return false }
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), now())",
                        logger: logger)
                    return true
                }
            }
            if applied { logger.info("applied migration", metadata: ["migration": "\(migration.name)"]) }
        }
    }

    /// Waits for the migration lock. A migration may outlast the statement timeout, and so may waiting for
    /// another instance's, so the timeout is lifted for this transaction.
    private static func lock(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SET LOCAL statement_timeout = 0", logger: logger)
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(unescaped: String(PostgresMigrations.advisoryLockKey)))", logger: logger)
    }
}
