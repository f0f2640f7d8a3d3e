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
            if let text = query.searchText, ConversationSearchIndex.decides(text) {
                return try Self.search(query, decidedByIndexFor: text, db: db)
            }
            var from = "FROM conversations c"
            var arguments: StatementArguments = []
            if let text = query.searchText, ConversationSearchIndex.canSearch(text) {
                // The location's hits (one range of the index's row ids) drive the query (CROSS JOIN keeps them the
                // outer loop); the rule below decides.
                guard let range = try Self.searchIndexRange(of: query.locationId, db: db) else {
                    return ConversationSearchResult(conversations: [], total: 0)
                }
                from = """
                    FROM (SELECT rowid & \(ConversationSearchIndex.conversationMask) AS hit
                        FROM \(ConversationSearchIndex.table) WHERE \(ConversationSearchIndex.table) MATCH ?
                        AND rowid >= ? AND rowid < ?) h
                    CROSS JOIN conversations c ON c.rowid = h.hit
                    """
                arguments += [ConversationSearchIndex.phrase(text), range.lower, range.upper]
            }
            from += " LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id"
            var conditions = SQLConditions("c.location_id = ?", query.locationId.rawValue)
            if let text = query.searchText, !text.isEmpty {
                conditions.and(
                    Self.searchRule,
                    arguments: StatementArguments(Array(repeating: text, count: Self.searchedFields.count)))
            }
            conditions.and(Self.searchFilters(query))
            let filter = conditions.sql
            arguments += conditions.arguments
            let (order, comparison) = query.sort == .desc ? ("DESC", "<") : ("ASC", ">")
            let countAll = { try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from) WHERE \(filter)", arguments: arguments) ?? 0 }
            let cursor = Self.searchCursor(query, key: Self.searchSortKey, comparison: comparison)
            if let text = query.searchText, !text.isEmpty {
                // What matches (the index's hits, or every conversation for a text shorter than a trigram) is read,
                // filtered and joined once: counted, and paged, in one statement; the count runs alone only when the
                // page is empty.
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        WITH m AS MATERIALIZED (SELECT c.id AS id, \(Self.searchSortKey) AS k \(from) WHERE \(filter))
                        SELECT (SELECT COUNT(*) FROM m), \(Self.searchColumns)
                        FROM (SELECT id, k FROM m WHERE 1\(Self.searchCursor(query, key: "k", comparison: comparison).sql)
                            ORDER BY k \(order), id \(order) LIMIT ?) s
                        CROSS JOIN conversations c ON c.location_id = ? AND c.id = s.id
                        LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
                        ORDER BY s.k \(order), s.id \(order)
                        """,
                    arguments: arguments + cursor.arguments + [query.limit, query.locationId.rawValue])
                let total = try rows.first.map { $0[0] as Int } ?? countAll()
                return ConversationSearchResult(conversations: try rows.map { try Decode.listing($0, from: 1) }, total: total)
            }
            let total = try countAll()
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.searchColumns) \(from) WHERE \(filter)\(cursor.sql)
                    ORDER BY \(Self.searchSortKey) \(order), c.id \(order) LIMIT ?
                    """,
                arguments: arguments + cursor.arguments + [query.limit])
            return ConversationSearchResult(conversations: try rows.map { try Decode.listing($0, from: 0) }, total: total)
        }
    }

    // MARK: Search pieces

    /// The sort key: the last message's date, or the creation date of a conversation without messages (the
    /// expression of the index `conversations_by_last_message`).
    static let searchSortKey = "COALESCE(c.last_message_date, c.date_added)"
    static let searchColumns = ConversationColumn.list(alias: "c") + ", " + ContactColumn.list(alias: "p")
    /// What the search text is looked for in, as the index holds it (a contact's full name is its first and last
    /// names with a space between, NULL when either is).
    static let searchedFields = ["p.name", "p.first_name || ' ' || p.last_name", "p.email", "p.phone", "c.last_message_body"]
    /// The search rule: the text, lowered, is a substring of one field, lowered. Its arguments: the text, once a field.
    static let searchRule =
        "(" + searchedFields.map { "instr(lower(COALESCE(\($0), '')), lower(?)) > 0" }.joined(separator: " OR ") + ")"

    /// The conditions on a conversation (alias `c`) other than its location and the search text.
    static func searchFilters(_ query: ConversationSearchQuery) -> SQLConditions {
        var conditions = SQLConditions()
        if let contactId = query.contactId { conditions.and("c.contact_id = ?", contactId.rawValue) }
        switch query.status {
        case .all, .recents: break
        case .read: conditions.and("c.unread_count = 0")
        case .unread: conditions.and("c.unread_count > 0")
        case .starred: conditions.and("c.starred = 1")
        }
        if let type = query.lastMessageType { conditions.and("c.last_message_type = ?", type.code) }
        if let direction = query.lastMessageDirection { conditions.and("c.last_message_direction = ?", direction.rawValue) }
        return conditions
    }

    /// The page's start after `startAfterDate`, on the SQL of a sort key: a condition to append, and its argument.
    static func searchCursor(_ query: ConversationSearchQuery, key: String, comparison: String)
        -> (sql: String, arguments: StatementArguments)
    {
        guard let after = query.startAfterDate else { return ("", []) }
        return (" AND \(key) \(comparison) ?", [after.rawValue])
    }

    /// The row ids of the location's entries in the search index (`ConversationSearchIndex.rowRange`); nil for a
    /// location that does not exist.
    static func searchIndexRange(of location: LocationID, db: Database) throws -> (lower: Int64, upper: Int64)? {
        try Int64.fetchOne(db, sql: "SELECT rowid FROM locations WHERE id = ?", arguments: [location.rawValue])
            .map(ConversationSearchIndex.rowRange(location:))
    }

    /// A search whose text the index decides (`ConversationSearchIndex.decides`): its hits are the matches. They
    /// are counted in the index alone when no other filter applies (the location's hits are one range of row ids);
    /// a page of many matches comes from a walk (`SearchWalk`), and of fewer, or when the walk gives up, from
    /// sorting the matches.
    static func search(_ query: ConversationSearchQuery, decidedByIndexFor text: String, db: Database) throws
        -> ConversationSearchResult
    {
        guard let range = try searchIndexRange(of: query.locationId, db: db) else {
            return ConversationSearchResult(conversations: [], total: 0)
        }
        let index = ConversationSearchIndex.table
        let hits = """
            SELECT rowid & \(ConversationSearchIndex.conversationMask) AS hit FROM \(index)
            WHERE \(index) MATCH ? AND rowid >= ? AND rowid < ?
            """
        let hitArguments: StatementArguments = [ConversationSearchIndex.phrase(text), range.lower, range.upper]
        let filters = searchFilters(query)
        let total = try
            filters.isEmpty
            ? Int.fetchOne(
                db, sql: "SELECT count(*) FROM \(index) WHERE \(index) MATCH ? AND rowid >= ? AND rowid < ?",
                arguments: hitArguments)
            : Int.fetchOne(
                db, sql: "SELECT count(*) FROM (\(hits)) h CROSS JOIN conversations c ON c.rowid = h.hit WHERE 1\(filters.andSQL)",
                arguments: hitArguments + filters.arguments)
        guard let total, total > 0, query.limit > 0 else {
            return ConversationSearchResult(conversations: [], total: total ?? 0)
        }
        let (order, comparison) = query.sort == .desc ? ("DESC", "<") : ("ASC", ">")
        let cursor = searchCursor(query, key: searchSortKey, comparison: comparison)
        // The location's first and last entries in the index: how far apart its conversations are, for the walk.
        let edge = { (order: String) in
            try Int64.fetchOne(
                db, sql: "SELECT rowid FROM \(index) WHERE rowid >= ? AND rowid < ? ORDER BY rowid \(order) LIMIT 1",
                arguments: [range.lower, range.upper]) ?? 0
        }
        if let walk = SearchWalk.length(limit: query.limit, matches: total, population: try edge("DESC") - edge("ASC") + 1) {
            // Without an ORDER BY the walk stops at the page's last row; its rows come in the walk's order (the walk
            // is the outer loop), which is checked, so that another plan could cost time but never a wrong page.
            let walked = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(searchSortKey), c.id, \(searchColumns)
                    FROM (SELECT c.rowid AS r FROM conversations c INDEXED BY conversations_by_last_message
                        WHERE c.location_id = ?\(cursor.sql) ORDER BY \(searchSortKey) \(order), c.id \(order) LIMIT ?) s
                    CROSS JOIN conversations c ON c.rowid = s.r
                    LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
                    WHERE \(searchRule)\(filters.andSQL) LIMIT ?
                    """,
                arguments: [query.locationId.rawValue] + cursor.arguments + [walk]
                    + StatementArguments(Array(repeating: text, count: searchedFields.count)) + filters.arguments
                    + [query.limit])
            let keys = walked.map { (key: $0[0] as Int64, id: $0[1] as String) }
            let inOrder = zip(keys, keys.dropFirst()).allSatisfy { earlier, later in
                query.sort == .desc
                    ? (earlier.key, earlier.id) > (later.key, later.id) : (earlier.key, earlier.id) < (later.key, later.id)
            }
            if walked.count == query.limit, inOrder {
                return ConversationSearchResult(conversations: try walked.map { try Decode.listing($0, from: 2) }, total: total)
            }
        }
        // The matches' ids and sort keys are sorted; only the page's rows are read whole.
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT \(searchColumns)
                FROM (SELECT c.id AS id, \(searchSortKey) AS k FROM (\(hits)) h CROSS JOIN conversations c ON c.rowid = h.hit
                    WHERE 1\(filters.andSQL)\(cursor.sql) ORDER BY k \(order), id \(order) LIMIT ?) s
                CROSS JOIN conversations c ON c.location_id = ? AND c.id = s.id
                LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
                ORDER BY s.k \(order), s.id \(order)
                """,
            arguments: hitArguments + filters.arguments + cursor.arguments + [query.limit, query.locationId.rawValue])
        return ConversationSearchResult(conversations: try rows.map { try Decode.listing($0, from: 0) }, total: total)
    }
}
