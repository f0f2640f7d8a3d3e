import GRDB

/// Migration 013: contacts' tags (a JSON list) and do-not-disturb (`dnd`, `dnd_settings` as a JSON object by
/// channel), which sends honour. PostgreSQL has the same migration, by name.
enum SQLiteContactTagsSchema {
    static let migrationName = "013_contact_tags_and_dnd"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE contacts ADD COLUMN dnd INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE contacts ADD COLUMN dnd_settings TEXT;
                """)
    }
}
