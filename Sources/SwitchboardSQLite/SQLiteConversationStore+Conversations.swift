import Foundation
import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

// MARK: - Conversations

extension SQLiteConversationStore {
    public func createConversation(_ conversation: Conversation, logger: Logger) async throws {
        try await write { db in try Self.insert(conversation, db: db) }
    }

    private static func insert(_ conversation: Conversation, db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO conversations (location_id, id, contact_id, date_added, date_updated, unread_count,
                    starred, deleted, last_message_id, last_message_body, last_message_type, last_message_date,
                    last_message_direction)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            conversation.locationId.rawValue, conversation.id.rawValue, conversation.contactId.rawValue,
            conversation.dateAdded.rawValue, conversation.dateUpdated.rawValue, conversation.unreadCount,
            conversation.starred, conversation.deleted, conversation.lastMessageBody,
            conversation.lastMessageType?.code, conversation.lastMessageDate?.rawValue,
            conversation.lastMessageDirection?.rawValue,
        ])
    }

    static let conversationColumns = ConversationColumn.list

    public func conversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws
        -> Conversation?
    {
        try await pool.read { db in try Self.conversation(ConversationKey(location: location, conversation: id), db: db) }
    }

    /// A conversation as the caller's transaction sees it.
    static func conversation(_ key: ConversationKey, db: Database) throws -> Conversation? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(conversationColumns) FROM conversations WHERE location_id = ? AND id = ?"),
            arguments: [key.location.rawValue, key.conversation.rawValue]
        ).map(Decode.conversation)
    }

    public func locationOfConversation(_ id: ConversationID, logger: Logger) async throws -> LocationID? {
        try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT location_id FROM conversations WHERE id = ? LIMIT 1", arguments: [id.rawValue]
            ).map(LocationID.init(rawValue:))
        }
    }


}

// MARK: - Conversation changes and search

extension SQLiteConversationStore {
    public func conversation(forContact contact: ContactID, in location: LocationID, logger: Logger) async throws
        -> Conversation?
    {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.conversationColumns) FROM conversations WHERE location_id = ? AND contact_id = ?",
                arguments: [location.rawValue, contact.rawValue]
            ).map(Decode.conversation)
        }
    }

    public func updateConversation(
        _ id: ConversationID, in location: LocationID, changes: ConversationChanges, at time: Timestamp,
        logger: Logger
    ) async throws -> Conversation? {
        try await write { db -> Conversation? in
            let key = ConversationKey(location: location, conversation: id)
            guard let before = try Self.conversation(key, db: db) else { return nil }
            try db.execute(
                sql: """
                    UPDATE conversations SET unread_count = COALESCE(?, unread_count), starred = COALESCE(?, starred),
                        feedback = COALESCE(?, feedback), date_updated = ?
                    WHERE location_id = ? AND id = ?
                    """,
                arguments: [
                    changes.unreadCount, changes.starred, changes.feedback, time.rawValue, location.rawValue,
                    id.rawValue,
                ])
            let after = try Self.conversation(key, db: db)
            if let after, after.unreadCount != before.unreadCount {
                try Self.enqueue([.unreadUpdate(of: after, at: time)], db: db)
            }
            return after
        }
    }

    public func deleteConversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Bool {
        try await write { db in try Self.deleteConversationRows(id, in: location, db: db) }
    }

    /// The conversation and what is its (messages, email records, transcriptions, files), inside the caller's
    /// transaction; whether it existed.
    static func deleteConversationRows(_ id: ConversationID, in location: LocationID, db: Database) throws -> Bool {
        try db.execute(
            // The page index holds one conversation's rows together; the planner otherwise walks the location.
            sql: "DELETE FROM messages INDEXED BY messages_page WHERE location_id = ? AND conversation_id = ?",
            arguments: [location.rawValue, id.rawValue])
        for table in ["email_records", "call_transcriptions"] {
            try db.execute(
                sql: "DELETE FROM \(table) WHERE conversation_id = ? AND location_id = ?",
                arguments: [id.rawValue, location.rawValue])
        }
        try deleteFiles(where: "location_id = ? AND conversation_id = ?", [location.rawValue, id.rawValue], db: db)
        try db.execute(
            sql: "DELETE FROM conversations WHERE location_id = ? AND id = ?",
            arguments: [location.rawValue, id.rawValue])
        return db.changesCount > 0
    }

    public func searchConversations(_ query: ConversationSearchQuery, logger: Logger) async throws
        -> ConversationSearchResult
    {
        try await pool.read { db in
            // The sort key: the last message's date, or the creation date of a conversation without messages.
            let sortKey = "COALESCE(c.last_message_date, c.date_added)"
            var from = "FROM conversations c"
            var arguments: StatementArguments = []
            let indexed = query.searchText.map(ConversationSearchIndex.canSearch) ?? false
            // Whether the index's hits need no check by the rule below (`ConversationSearchIndex.decides`).
            let indexDecides = query.searchText.map(ConversationSearchIndex.decides) ?? false
            if let text = query.searchText, indexed {
                // The index's hits drive the query (CROSS JOIN keeps them the outer loop).
                from = """
                    FROM (SELECT rowid AS hit FROM \(ConversationSearchIndex.table) WHERE \(ConversationSearchIndex.table) MATCH ?) h
                    CROSS JOIN conversations c ON c.rowid = h.hit
                    """
                arguments += [ConversationSearchIndex.phrase(text)]
            }
            // The hits of a search the index decides are counted without their contacts (a broad text's thousands).
            if !indexDecides { from += " LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id" }
            var conditions = SQLConditions("c.location_id = ?", query.locationId.rawValue)
            if let contactId = query.contactId { conditions.and("c.contact_id = ?", contactId.rawValue) }
            if let text = query.searchText, !text.isEmpty, !indexDecides {
                let fields = ["p.name", "p.first_name || ' ' || p.last_name", "p.email", "p.phone", "c.last_message_body"]
                conditions.and(
                    "(" + fields.map { "instr(lower(COALESCE(\($0), '')), lower(?)) > 0" }.joined(separator: " OR ") + ")",
                    arguments: StatementArguments(Array(repeating: text, count: fields.count)))
            }
            switch query.status {
            case .all, .recents: break
            case .read: conditions.and("c.unread_count = 0")
            case .unread: conditions.and("c.unread_count > 0")
            case .starred: conditions.and("c.starred = 1")
            }
            if let type = query.lastMessageType { conditions.and("c.last_message_type = ?", type.code) }
            if let direction = query.lastMessageDirection { conditions.and("c.last_message_direction = ?", direction.rawValue) }
            let filter = conditions.sql
            arguments += conditions.arguments
            let (order, comparison) = query.sort == .desc ? ("DESC", "<") : ("ASC", ">")
            let columns = ConversationColumn.list(alias: "c") + ", " + ContactColumn.list(alias: "p")
            let countAll = { try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from) WHERE \(filter)", arguments: arguments) ?? 0 }
            // The cursor's condition on a sort key, and its argument.
            func after(_ key: String) -> String { query.startAfterDate == nil ? "" : " AND \(key) \(comparison) ?" }
            let cursorArguments: StatementArguments = query.startAfterDate.map { [$0.rawValue] } ?? []
            if let text = query.searchText, !text.isEmpty {
                // What matches (the index's hits, or every conversation for a text shorter than a trigram) is read,
                // filtered and joined once: counted, and paged, in one statement; the count runs alone only when the
                // page is empty.
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        WITH m AS MATERIALIZED (SELECT c.id AS id, \(sortKey) AS k \(from) WHERE \(filter))
                        SELECT (SELECT COUNT(*) FROM m), \(columns)
                        FROM (SELECT id, k FROM m WHERE 1\(after("k")) ORDER BY k \(order), id \(order) LIMIT ?) s
                        CROSS JOIN conversations c ON c.location_id = ? AND c.id = s.id
                        LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
                        ORDER BY s.k \(order), s.id \(order)
                        """,
                    arguments: arguments + cursorArguments + [query.limit, query.locationId.rawValue])
                let total = try rows.first.map { $0[0] as Int } ?? countAll()
                return ConversationSearchResult(conversations: try rows.map { try Decode.listing($0, from: 1) }, total: total)
            }
            let total = try countAll()
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(columns) \(from) WHERE \(filter)\(after(sortKey))
                    ORDER BY \(sortKey) \(order), c.id \(order) LIMIT ?
                    """,
                arguments: arguments + cursorArguments + [query.limit])
            return ConversationSearchResult(conversations: try rows.map { try Decode.listing($0, from: 0) }, total: total)
        }
    }
}
