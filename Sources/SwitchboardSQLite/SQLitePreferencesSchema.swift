import GRDB

/// Migration 010: custom subtypes and contacts' subscription choices (`PreferencesStore`). PostgreSQL has the same
/// migration, by name.
enum SQLitePreferencesSchema {
    static let migrationName = "010_preferences"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE custom_subtypes (
                    id TEXT NOT NULL PRIMARY KEY,
                    location_id TEXT NOT NULL REFERENCES locations(id),
                    name TEXT NOT NULL,
                    description TEXT,
                    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
                    language TEXT NOT NULL,
                    archived INTEGER NOT NULL,
                    resubscription_legal_form_id TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX custom_subtypes_by_location ON custom_subtypes(location_id, created_at);
                CREATE TABLE subscription_choices (
                    location_id TEXT NOT NULL,
                    contact_id TEXT NOT NULL,
                    email TEXT NOT NULL,
                    topic TEXT NOT NULL,
                    subscribed INTEGER NOT NULL,
                    legal_reason TEXT,
                    legal_description TEXT,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (location_id, contact_id, email, topic)
                );
                """)
    }
}
