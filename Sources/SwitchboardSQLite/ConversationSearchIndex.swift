import Foundation
import GRDB

/// A trigram full-text index (FTS5) over what conversation search matches: the contact's name, first and last name,
/// email and phone, and the last message's body. Without it a search read every conversation of the location.
///
/// Triggers keep it in step with `conversations` and `contacts`, whichever path writes them. Its row id is the
/// conversation's row id. It only narrows the candidates: the search still applies its exact rule to them, so
/// what matches is what matched before, only found faster.
enum ConversationSearchIndex {
    static let migrationName = "003_conversation_search_index"
    static let table = "conversation_search"

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

    private static let contactFields = """
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
                    SELECT c.rowid, \(contactFields), c.last_message_body
                    FROM conversations c LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
                    WHERE c.rowid > ? ORDER BY c.rowid
                """,
            arguments: [row])
    }

    /// Made again by a reset, which drops it while it empties both tables at once.
    static let deleteTrigger = """
        CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN
            DELETE FROM \(table) WHERE rowid = old.rowid;
        END;
        """

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIRTUAL TABLE \(table) USING fts5(name, full_name, email, phone, body, tokenize = 'trigram');
            INSERT INTO \(table) (rowid, name, full_name, email, phone, body)
                SELECT c.rowid, \(contactFields), c.last_message_body
                FROM conversations c LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id;
            CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
                INSERT INTO \(table) (rowid, name, full_name, email, phone, body)
                    SELECT new.rowid, \(contactFields), new.last_message_body
                    FROM (SELECT 1) LEFT JOIN contacts p ON p.location_id = new.location_id AND p.id = new.contact_id;
            END;
            CREATE TRIGGER conversation_search_body AFTER UPDATE OF last_message_body ON conversations
                WHEN new.last_message_body IS NOT old.last_message_body BEGIN
                UPDATE \(table) SET body = new.last_message_body WHERE rowid = new.rowid;
            END;
            \(deleteTrigger)
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
