/// Migration 017: each conversation's last message body, lowered, in a narrow table of its own with the trigram
/// index, so that counting a broad search's matches reads little.
///
/// pg_trgm's index is lossy for LIKE: every candidate row is read and checked again. Read from `conversations`
/// (fourteen columns, the body the tenth), `appointment`'s 36,426 matches among 100,000 conversations took 54 ms to
/// count; read from rows of four columns, with the body lowered once when written, 29–34 ms (`psql`, the two
/// counts alternated, the bench's database). A stored lowered column on `conversations` itself gained nothing.
///
/// Triggers, not the store's write paths, keep it in step, whichever statement writes a conversation: inserts once
/// a statement (an import inserts thousands at a time), updates of the body or the sort key row by row; a deletion
/// cascades. A reset empties it with the conversations.
extension PostgresMigrations {
    static let searchBodies = Migration(
        name: "017_search_bodies",
        statements: [
            """
            CREATE TABLE conversation_search_bodies (
                location_id TEXT COLLATE "C" NOT NULL,
                conversation_id TEXT COLLATE "C" NOT NULL,
                sort_key BIGINT NOT NULL,
                body TEXT COLLATE "C" NOT NULL,
                PRIMARY KEY (location_id, conversation_id),
                -- A deletion takes the row with it, and a TRUNCATE that forgets this table fails instead of leaving
                -- bodies behind.
                FOREIGN KEY (location_id, conversation_id) REFERENCES conversations (location_id, id) ON DELETE CASCADE
            )
            """,
            """
            INSERT INTO conversation_search_bodies (location_id, conversation_id, sort_key, body)
            SELECT location_id, id, COALESCE(last_message_date, date_added), lower(COALESCE(last_message_body, ''))
            FROM conversations
            """,
            """
            CREATE FUNCTION switchboard_search_bodies_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO conversation_search_bodies (location_id, conversation_id, sort_key, body)
                SELECT location_id, id, COALESCE(last_message_date, date_added), lower(COALESCE(last_message_body, ''))
                FROM inserted_rows
                ON CONFLICT (location_id, conversation_id)
                    DO UPDATE SET sort_key = EXCLUDED.sort_key, body = EXCLUDED.body;
                RETURN NULL;
            END $$
            """,
            """
            CREATE FUNCTION switchboard_search_body_updated() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO conversation_search_bodies (location_id, conversation_id, sort_key, body)
                VALUES (NEW.location_id, NEW.id, COALESCE(NEW.last_message_date, NEW.date_added),
                    lower(COALESCE(NEW.last_message_body, '')))
                ON CONFLICT (location_id, conversation_id)
                    DO UPDATE SET sort_key = EXCLUDED.sort_key, body = EXCLUDED.body;
                RETURN NULL;
            END $$
            """,
        ] + searchCopyTriggers(
            inserted: "conversations_search_inserted", calling: "switchboard_search_bodies_inserted",
            updated: "conversations_search_updated", calling: "switchboard_search_body_updated") + [
            // The trigram index moves here where migration 003 could make one (pg_trgm is there); else, as then,
            // search reads every row, now narrow ones.
            """
            DO $$
            DECLARE trgm text;
            BEGIN
                SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'pg_trgm';
                IF trgm IS NOT NULL THEN
                    EXECUTE format('CREATE INDEX conversation_search_bodies_trigrams
                        ON conversation_search_bodies USING gin (body %I.gin_trgm_ops)', trgm);
                    DROP INDEX IF EXISTS conversations_search_body;
                END IF;
            END $$
            """,
            "ANALYZE conversation_search_bodies",
        ])

    /// The two triggers that keep a copy of what search reads (the last message's body and the sort key) in step with
    /// `conversations`: `insertedFunction` once per inserting statement, over its rows as `inserted_rows` (an import
    /// inserts thousands at a time); `updatedFunction` row by row, only when the body or the sort key changed. The
    /// WHEN is checked without calling the function: a change of the unread count costs nothing here. Migrations 017
    /// and 018 make theirs with it.
    static func searchCopyTriggers(
        inserted: String, calling insertedFunction: String, updated: String, calling updatedFunction: String
    ) -> [String] {
        [
            """
            CREATE TRIGGER \(inserted) AFTER INSERT ON conversations
                REFERENCING NEW TABLE AS inserted_rows
                FOR EACH STATEMENT EXECUTE FUNCTION \(insertedFunction)()
            """,
            """
            CREATE TRIGGER \(updated)
                AFTER UPDATE OF last_message_body, last_message_date, date_added ON conversations FOR EACH ROW
                WHEN (OLD.last_message_body IS DISTINCT FROM NEW.last_message_body
                    OR OLD.last_message_date IS DISTINCT FROM NEW.last_message_date
                    OR OLD.date_added IS DISTINCT FROM NEW.date_added)
                EXECUTE FUNCTION \(updatedFunction)()
            """,
        ]
    }
}
