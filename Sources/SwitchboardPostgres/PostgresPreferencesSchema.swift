/// Migration 010: custom subtypes and contacts' subscription choices, as in the SQLite backend.
extension PostgresMigrations {
    static let preferences = Migration(
        name: "010_preferences",
        statements: [
            """
            CREATE TABLE custom_subtypes (
                id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                location_id TEXT COLLATE "C" NOT NULL REFERENCES locations(id),
                name TEXT NOT NULL,
                description TEXT,
                channel TEXT COLLATE "C" NOT NULL CHECK (channel IN ('email', 'sms')),
                language TEXT NOT NULL,
                archived BOOLEAN NOT NULL,
                resubscription_legal_form_id TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX custom_subtypes_by_location ON custom_subtypes (location_id, created_at)",
            """
            CREATE TABLE subscription_choices (
                location_id TEXT COLLATE "C" NOT NULL,
                contact_id TEXT COLLATE "C" NOT NULL,
                email TEXT COLLATE "C" NOT NULL,
                topic TEXT COLLATE "C" NOT NULL,
                subscribed BOOLEAN NOT NULL,
                legal_reason TEXT,
                legal_description TEXT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (location_id, contact_id, email, topic)
            )
            """,
        ])
}
