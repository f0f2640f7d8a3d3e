/// Migration 018: the words of each conversation's last message, so that a search counts its matches without
/// reading and checking every candidate's body.
///
/// A text with no whitespace is in a body exactly when it is in one of the body's words (the body split at ASCII
/// whitespace). So a location's words are kept once each in `search_words`, which the trigram index finds by
/// substring, and each conversation's row in `conversation_search_words` lists its words as hashes of location and
/// word in a GIN array: a search asks for the rows holding any word that contains the text, an answer that needs no
/// check (pg_trgm's needs one: it is lossy for LIKE). See `SearchWordLookup` for which texts, and
/// docs/performance.md for the numbers.
///
/// Hashes rather than numbered words: a conversation's row is then made from its body alone, so a writer never
/// reads back a word another transaction has added (which it could not see under a snapshot). The hashes are 64-bit:
/// in a location of a million words, a text found in ten of them is miscounted by a collision about once in 2·10^12
/// searches. A body with a word longer than `longestWord` bytes, or more than `mostWords` words, has no list (NULL)
/// and adds no words: it is checked by LIKE, and a hostile body cannot grow the vocabulary much beyond its own size.
///
/// Triggers beside migration 017's keep both tables in step with every statement that writes a conversation; the
/// words are added in one sorted statement, so two writers adding the same new words wait for each other rather
/// than deadlock. Words no body holds any more stay until a reset, and match nothing.
extension PostgresMigrations {
    /// The longest word the vocabulary keeps, in bytes (a B-tree entry holds up to about 2,700).
    static let longestWord = 1_000
    /// The most words a listed body has, repeats counted.
    static let mostWords = 1_000

    static let searchWords = Migration(
        name: "018_search_words",
        statements: [
            """
            CREATE TABLE search_words (
                location_id TEXT COLLATE "C" NOT NULL,
                word TEXT COLLATE "C" NOT NULL,
                PRIMARY KEY (location_id, word)
            )
            """,
            """
            CREATE TABLE conversation_search_words (
                location_id TEXT COLLATE "C" NOT NULL,
                conversation_id TEXT COLLATE "C" NOT NULL,
                sort_key BIGINT NOT NULL,
                word_hashes BIGINT[],
                PRIMARY KEY (location_id, conversation_id),
                FOREIGN KEY (location_id, conversation_id) REFERENCES conversations (location_id, id) ON DELETE CASCADE
            )
            """,
            // A lowered body's words: split at ASCII whitespace (what `SearchWordLookup.separators` lists). A word
            // may come twice. One expression, so that the planner inlines it: with DISTINCT, and with translate()
            // rather than replace(), it took three times as long (30,000 realistic bodies: 94 against 284 ms).
            """
            CREATE FUNCTION switchboard_words(body text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
                SELECT array_remove(string_to_array(replace(replace(replace(replace(replace(body,
                    E'\\t', ' '), E'\\n', ' '), E'\\x0b', ' '), E'\\f', ' '), E'\\r', ' '), ' '), '')
            $$
            """,
            """
            CREATE FUNCTION switchboard_word_hash(location text, word text) RETURNS bigint
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
                SELECT hashtextextended((location || ' ' || word) COLLATE "C", 0)
            $$
            """,
            """
            CREATE FUNCTION switchboard_word_hashes(location text, words text[]) RETURNS bigint[]
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
                SELECT CASE WHEN cardinality(words) > \(mostWords) OR bool_or(octet_length(w) > \(longestWord)) THEN NULL
                    ELSE COALESCE(array_agg(DISTINCT switchboard_word_hash(location, w)), '{}') END
                FROM unnest(words) AS w
            $$
            """,
            """
            INSERT INTO conversation_search_words (location_id, conversation_id, sort_key, word_hashes)
            SELECT location_id, id, COALESCE(last_message_date, date_added),
                switchboard_word_hashes(location_id, switchboard_words(lower(COALESCE(last_message_body, ''))))
            FROM conversations
            """,
            """
            INSERT INTO search_words (location_id, word)
            SELECT DISTINCT c.location_id, w
            FROM conversation_search_words l
            JOIN conversations c ON c.location_id = l.location_id AND c.id = l.conversation_id,
                unnest(switchboard_words(lower(COALESCE(c.last_message_body, '')))) AS w
            WHERE l.word_hashes IS NOT NULL
            """,
            """
            CREATE FUNCTION switchboard_search_words_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                WITH split AS (
                    SELECT location_id, id, COALESCE(last_message_date, date_added) AS sort_key,
                        switchboard_words(lower(COALESCE(last_message_body, ''))) AS words
                    FROM inserted_rows
                ), written AS (
                    SELECT split.*, switchboard_word_hashes(location_id, words) AS word_hashes FROM split
                ), listed AS (
                    INSERT INTO search_words (location_id, word)
                    SELECT DISTINCT location_id, w FROM written, unnest(words) AS w WHERE word_hashes IS NOT NULL
                    ORDER BY 1, 2
                    ON CONFLICT DO NOTHING
                )
                INSERT INTO conversation_search_words (location_id, conversation_id, sort_key, word_hashes)
                SELECT location_id, id, sort_key, word_hashes FROM written
                ON CONFLICT (location_id, conversation_id)
                    DO UPDATE SET sort_key = EXCLUDED.sort_key, word_hashes = EXCLUDED.word_hashes;
                RETURN NULL;
            END $$
            """,
            """
            CREATE FUNCTION switchboard_search_words_updated() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                new_words text[] := switchboard_words(lower(COALESCE(NEW.last_message_body, '')));
                new_hashes bigint[] := switchboard_word_hashes(NEW.location_id, new_words);
            BEGIN
                IF new_hashes IS NOT NULL THEN
                    INSERT INTO search_words (location_id, word)
                    SELECT DISTINCT NEW.location_id, w FROM unnest(new_words) AS w ORDER BY 2
                    ON CONFLICT DO NOTHING;
                END IF;
                INSERT INTO conversation_search_words (location_id, conversation_id, sort_key, word_hashes)
                VALUES (NEW.location_id, NEW.id, COALESCE(NEW.last_message_date, NEW.date_added), new_hashes)
                ON CONFLICT (location_id, conversation_id)
                    DO UPDATE SET sort_key = EXCLUDED.sort_key, word_hashes = EXCLUDED.word_hashes;
                RETURN NULL;
            END $$
            """,
        ] + searchCopyTriggers(
            inserted: "conversations_words_inserted", calling: "switchboard_search_words_inserted",
            updated: "conversations_words_updated", calling: "switchboard_search_words_updated") + [
            "CREATE INDEX conversation_search_words_hashes ON conversation_search_words USING gin (word_hashes)",
            """
            CREATE INDEX conversation_search_words_unlisted ON conversation_search_words (location_id)
                WHERE word_hashes IS NULL
            """,
            // Without pg_trgm (migration 003 warned), the words are found by reading the location's own.
            """
            DO $$
            DECLARE trgm text;
            BEGIN
                SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'pg_trgm';
                IF trgm IS NOT NULL THEN
                    EXECUTE format('CREATE INDEX search_words_trigrams ON search_words USING gin (word %I.gin_trgm_ops)', trgm);
                END IF;
            END $$
            """,
            "ANALYZE search_words, conversation_search_words",
        ])
}
