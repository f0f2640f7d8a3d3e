import Foundation
import GRDB

/// A trigram full-text index (FTS5) over what conversation search matches: the contact's name, first and last name,
/// email and phone, and the last message's body. Without it a search read every conversation of the location.
///
/// Triggers keep it in step with `conversations` and `contacts`, whichever path writes them. Since migration 016 an
/// entry's row id is its location's row id above bit 40 and its conversation's row id below (`entryRowID`), so the
/// hits of one location are one range of row ids, which FTS5 reads without looking at the conversations: a broad
/// text's total (36,000 of 100,000 conversations) is counted in the index alone, 14 ms instead of 37 ms.
enum ConversationSearchIndex {
    static let migrationName = "003_conversation_search_index"
    static let byLocationMigrationName = "016_search_index_by_location"
    /// Migration 017 gave PostgreSQL's trigram index a narrow table of lowered bodies; this index already holds
    /// them apart from the conversations, so here it changes nothing and only keeps the names in step.
    static let bodiesMigrationName = "017_search_bodies"
    /// Migration 018 gave PostgreSQL each location's words, so that a count needs no body; this index's count already
    /// needs none (its hits are counted in the index alone), so here too the name only keeps the two in step.
    static let wordsMigrationName = "018_search_words"
    static let table = "conversation_search"

    /// The bits of an entry's row id that hold its conversation's row id; the location's row id is above them (a
    /// trillion conversations and eight million locations, each far past what one SQLite file holds).
    static let conversationBits = 40
    static let conversationMask: Int64 = (1 << conversationBits) - 1

    /// The index's row ids of one location's conversations: `lower..<upper`.
    static func rowRange(location row: Int64) -> (lower: Int64, upper: Int64) {
        (row << conversationBits, (row + 1) << conversationBits)
    }

    /// The SQL of an entry's row id, from the SQL of its location's id and its conversation's row id.
    private static func entryRowID(location: String, conversationRow: String) -> String {
        "((SELECT rowid FROM locations WHERE id = \(location)) << \(conversationBits) | \(conversationRow))"
    }

    /// Trigrams find substrings of three characters or more; a shorter search text reads every conversation. (The
    /// text has no NUL, which would end an FTS5 query string early: schemathesis found that a 500.)
    static func canSearch(_ text: String) -> Bool {
        text.count >= 3 && !text.utf8.contains(0)
    }

    /// Whether the index's hits are exactly the conversations the search rule matches (a substring of one field,
    /// compared with `lower()`): for a text of ASCII characters without NUL, they are. The index folds the case of
    /// every letter and `lower()` only ASCII's, so a text with other characters is also checked by the rule.
    static func decides(_ text: String) -> Bool {
        canSearch(text) && text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// The FTS5 query for a substring anywhere in one column: a phrase of the text's trigrams.
    static func phrase(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A contact's fields as the index holds them since migration 016: what the search rule reads
    /// (`SQLiteConversationStore.searchedFields`), so that the index's hits are the rule's matches (a full name is
    /// NULL when either name is).
    private static let contactFields = "p.name, p.first_name || ' ' || p.last_name, p.email, p.phone"
    /// As migration 003 held them (a missing name as an empty one).
    private static let contactFieldsOf003 = """
        p.name, COALESCE(p.first_name, '') || ' ' || COALESCE(p.last_name, ''), p.email, p.phone
        """

    /// The triggers that index a conversation as it is written, which a bulk load sets aside. Inside a transaction
    /// FTS5 writes out its pending terms at every statement's savepoint, so a statement per conversation cost about
    /// 140 µs each, twice (created, then its summary), where `indexConversations(after:db:)` takes about 30 µs a
    /// conversation in one statement (20,000 conversations, this machine).
    static let conversationTriggers = ["conversation_search_insert", "conversation_search_body"]

    /// Indexes the conversations whose row id is above `row` (those a bulk load wrote with `conversationTriggers` set
    /// aside) in one statement, in row order (FTS5 appends rows that come in order).
    static func indexConversations(after row: Int64, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO \(table) (rowid, name, full_name, email, phone, body)
                    SELECT \(entryRowID(location: "c.location_id", conversationRow: "c.rowid")) AS entry,
                        \(contactFields), c.last_message_body
                    FROM conversations c LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
                    WHERE c.rowid > ? ORDER BY entry
                """,
            arguments: [row])
    }

    /// Made again by a reset, which drops it while it empties both tables at once.
    static let deleteTrigger = """
        CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN
            DELETE FROM \(table) WHERE rowid = \(entryRowID(location: "old.location_id", conversationRow: "old.rowid"));
        END;
        """

    /// Migration 016: the index made again with row ids by location (`entryRowID`), its triggers with it; and
    /// `conversations_by_last_message` on the search's sort key, as PostgreSQL's has been since its first migration,
    /// so that a page of a broad search walks the location's conversations newest first and stops at its last row.
    static func createByLocation(_ db: Database) throws {
        try db.execute(sql: """
            DROP TRIGGER conversation_search_insert;
            DROP TRIGGER conversation_search_body;
            DROP TRIGGER conversation_search_delete;
            DROP TRIGGER conversation_search_contact;
            DROP TABLE \(table);
            CREATE VIRTUAL TABLE \(table) USING fts5(name, full_name, email, phone, body, tokenize = 'trigram');
            """)
        try indexConversations(after: 0, db: db)
        try db.execute(sql: """
            CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
                INSERT INTO \(table) (rowid, name, full_name, email, phone, body)
                    SELECT \(entryRowID(location: "new.location_id", conversationRow: "new.rowid")),
                        \(contactFields), new.last_message_body
                    FROM (SELECT 1) LEFT JOIN contacts p ON p.location_id = new.location_id AND p.id = new.contact_id;
            END;
            CREATE TRIGGER conversation_search_body AFTER UPDATE OF last_message_body ON conversations
                WHEN new.last_message_body IS NOT old.last_message_body BEGIN
                UPDATE \(table) SET body = new.last_message_body
                WHERE rowid = \(entryRowID(location: "new.location_id", conversationRow: "new.rowid"));
            END;
            \(deleteTrigger)
            CREATE TRIGGER conversation_search_contact AFTER UPDATE OF name, first_name, last_name, email, phone ON contacts
            BEGIN
                UPDATE \(table) SET
                    name = new.name, full_name = new.first_name || ' ' || new.last_name,
                    email = new.email, phone = new.phone
                WHERE rowid = (
                    SELECT \(entryRowID(location: "new.location_id", conversationRow: "rowid")) FROM conversations
                    WHERE location_id = new.location_id AND contact_id = new.id);
            END;
            DROP INDEX conversations_by_last_message;
            CREATE INDEX conversations_by_last_message
                ON conversations(location_id, COALESCE(last_message_date, date_added), id);
            """)
    }

    /// Migration 003, as it shipped (row ids by conversation alone).
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIRTUAL TABLE \(table) USING fts5(name, full_name, email, phone, body, tokenize = 'trigram');
            INSERT INTO \(table) (rowid, name, full_name, email, phone, body)
                SELECT c.rowid, \(contactFieldsOf003), c.last_message_body
                FROM conversations c LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id;
            CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
                INSERT INTO \(table) (rowid, name, full_name, email, phone, body)
                    SELECT new.rowid, \(contactFieldsOf003), new.last_message_body
                    FROM (SELECT 1) LEFT JOIN contacts p ON p.location_id = new.location_id AND p.id = new.contact_id;
            END;
            CREATE TRIGGER conversation_search_body AFTER UPDATE OF last_message_body ON conversations
                WHEN new.last_message_body IS NOT old.last_message_body BEGIN
                UPDATE \(table) SET body = new.last_message_body WHERE rowid = new.rowid;
            END;
            CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN
                DELETE FROM \(table) WHERE rowid = old.rowid;
            END;
            CREATE TRIGGER conversation_search_contact AFTER UPDATE OF name, first_name, last_name, email, phone ON contacts
            BEGIN
                UPDATE \(table) SET
                    name = new.name, full_name = COALESCE(new.first_name, '') || ' ' || COALESCE(new.last_name, ''),
                    email = new.email, phone = new.phone
                WHERE rowid = (SELECT rowid FROM conversations WHERE location_id = new.location_id AND contact_id = new.id);
            END;
            """)
    }
}
