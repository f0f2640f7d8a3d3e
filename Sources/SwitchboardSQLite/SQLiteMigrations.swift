import GRDB

/// The schema's history. A migration that has shipped is never edited; changes come as new migrations.
/// The PostgreSQL backend carries the same names in the same order (a test checks).
enum SQLiteMigrations {
    typealias Migration = (name: String, apply: @Sendable (Database) throws -> Void)

    /// Every migration, in order.
    static let all: [Migration] = [
        ("001_locations_tokens_conversations_messages", createFirstTables),
        (SQLiteOAuthSchema.migrationName, SQLiteOAuthSchema.create),
        (ConversationSearchIndex.migrationName, ConversationSearchIndex.create),
        (SQLiteWebhookSchema.migrationName, SQLiteWebhookSchema.create),
        (SQLiteScheduledSendSchema.migrationName, SQLiteScheduledSendSchema.create),
        (SQLiteProviderSchema.migrationName, SQLiteProviderSchema.create),
        (SQLiteWebhookAttemptSchema.migrationName, SQLiteWebhookAttemptSchema.create),
        (SQLiteAppWebhookSchema.migrationName, SQLiteAppWebhookSchema.create),
        (SQLiteEmailSchema.migrationName, SQLiteEmailSchema.create),
        (SQLitePreferencesSchema.migrationName, SQLitePreferencesSchema.create),
        (SQLiteCallSchema.migrationName, SQLiteCallSchema.create),
        (SQLiteFileSchema.migrationName, SQLiteFileSchema.create),
        (SQLiteContactTagsSchema.migrationName, SQLiteContactTagsSchema.create),
        (SQLiteClusterSchema.migrationName, SQLiteClusterSchema.create),
        (SQLiteMessageKeySchema.migrationName, SQLiteMessageKeySchema.create),
        (ConversationSearchIndex.byLocationMigrationName, ConversationSearchIndex.createByLocation),
        (ConversationSearchIndex.bodiesMigrationName, { _ in }),
        (ConversationSearchIndex.wordsMigrationName, { _ in }),
    ]

    /// Migrations that write no row a foreign key points to or from: they run with foreign keys on, so GRDB does not
    /// check every key of the database after them (seconds at a million messages).
    static let immediateForeignKeyChecks: Set<String> = [
        ConversationSearchIndex.byLocationMigrationName, ConversationSearchIndex.bodiesMigrationName,
        ConversationSearchIndex.wordsMigrationName,
    ]

    static func register(in migrator: inout DatabaseMigrator) {
        for migration in all {
            migrator.registerMigration(
                migration.name,
                foreignKeyChecks: immediateForeignKeyChecks.contains(migration.name) ? .immediate : .deferred,
                migrate: migration.apply)
        }
    }

    /// Brings `pool`'s schema up to date. A new, empty database gets every migration in one transaction, recorded
    /// as GRDB's migrator records them (an in-memory server's start spent 12 ms in thirteen transactions, each
    /// followed by a foreign-key check of tables with no rows); any other goes through the migrator, one migration
    /// at a time.
    static func migrate(_ pool: DatabasePool) throws {
        let madeNew = try pool.writeWithoutTransaction { db in
            var made = false
            try db.inTransaction(.immediate) {
                guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") == 0 else { return .rollback }
                for migration in all { try migration.apply(db) }
                try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                for migration in all {
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.name])
                }
                made = true
                return .commit
            }
            return made
        }
        if madeNew { return }
        var migrator = DatabaseMigrator()
        register(in: &migrator)
        let migrated = migrator
        let pending = try pool.read { db in try !migrated.hasCompletedMigrations(db) }
        try migrator.migrate(pool)
        // A migration that copies a table (015 copies the messages) leaves the write-ahead log the size of that
        // table, which every later start would read to rebuild its index (1.1 GB after 1,100,000 messages). Emptied,
        // best effort, as an import's commit does; the old table's pages stay in the file, free for later writes.
        if pending {
            _ = try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }

    private static func createFirstTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE locations (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    date_added INTEGER NOT NULL
                );
                CREATE TABLE tokens (
                    location_id TEXT NOT NULL REFERENCES locations(id),
                    id TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    PRIMARY KEY (location_id, id)
                );
                CREATE TABLE contacts (
                    location_id TEXT NOT NULL REFERENCES locations(id),
                    id TEXT NOT NULL,
                    first_name TEXT,
                    last_name TEXT,
                    name TEXT,
                    email TEXT,
                    phone TEXT,
                    company_name TEXT,
                    date_added INTEGER NOT NULL,
                    date_updated INTEGER NOT NULL,
                    PRIMARY KEY (location_id, id)
                );
                CREATE INDEX contacts_by_email ON contacts(location_id, email COLLATE NOCASE);
                CREATE INDEX contacts_by_phone ON contacts(location_id, phone);
                CREATE TABLE conversations (
                    location_id TEXT NOT NULL REFERENCES locations(id),
                    id TEXT NOT NULL,
                    contact_id TEXT NOT NULL,
                    date_added INTEGER NOT NULL,
                    date_updated INTEGER NOT NULL,
                    unread_count INTEGER NOT NULL DEFAULT 0,
                    starred INTEGER NOT NULL DEFAULT 0,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    last_message_id TEXT,
                    last_message_body TEXT,
                    last_message_type INTEGER,
                    last_message_date INTEGER,
                    last_message_direction TEXT,
                    feedback TEXT,
                    PRIMARY KEY (location_id, id),
                    UNIQUE (location_id, contact_id)
                );
                CREATE INDEX conversations_by_id ON conversations(id);
                CREATE INDEX conversations_by_last_message ON conversations(location_id, last_message_date, id);
                CREATE TABLE messages (
                    location_id TEXT NOT NULL,
                    id TEXT NOT NULL,
                    conversation_id TEXT NOT NULL,
                    contact_id TEXT NOT NULL,
                    type_code INTEGER NOT NULL,
                    direction TEXT,
                    status TEXT,
                    body TEXT,
                    content_type TEXT,
                    date_added INTEGER NOT NULL,
                    date_updated INTEGER NOT NULL,
                    source TEXT,
                    user_id TEXT,
                    alt_id TEXT,
                    attachments TEXT,
                    call_duration INTEGER,
                    call_status TEXT,
                    email_message_ids TEXT,
                    conversation_provider_id TEXT,
                    chat_widget_id TEXT,
                    PRIMARY KEY (location_id, id),
                    FOREIGN KEY (location_id, conversation_id) REFERENCES conversations(location_id, id)
                );
                -- The page index: one keyset range scan per page, whatever its depth.
                CREATE INDEX messages_page ON messages(conversation_id, date_added, id);
                -- The export walks a whole location by date.
                CREATE INDEX messages_export_created ON messages(location_id, date_added, id);
                CREATE INDEX messages_export_updated ON messages(location_id, date_updated, id);
                """)
    }
}
