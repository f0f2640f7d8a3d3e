/// Migration 013: contacts' tags and do-not-disturb, as in the SQLite backend.
extension PostgresMigrations {
    static let contactTagsAndDnd = Migration(
        name: "013_contact_tags_and_dnd",
        statements: [
            "ALTER TABLE contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'",
            "ALTER TABLE contacts ADD COLUMN dnd BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE contacts ADD COLUMN dnd_settings TEXT",
        ])
}
