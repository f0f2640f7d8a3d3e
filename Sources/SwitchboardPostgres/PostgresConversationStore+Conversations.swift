public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    public func createConversation(_ conversation: Conversation, logger: Logger) async throws {
        try await execute(
            "createConversation",
            """
            INSERT INTO conversations (location_id, id, contact_id, date_added, date_updated, unread_count,
                starred, deleted, last_message_id, last_message_body, last_message_type, last_message_date,
                last_message_direction)
            VALUES (\(conversation.locationId.rawValue), \(conversation.id.rawValue),
                \(conversation.contactId.rawValue), \(conversation.dateAdded.rawValue),
                \(conversation.dateUpdated.rawValue), \(conversation.unreadCount), \(conversation.starred),
                \(conversation.deleted), NULL, \(conversation.lastMessageBody), \(conversation.lastMessageType?.code),
                \(conversation.lastMessageDate?.rawValue), \(conversation.lastMessageDirection?.rawValue))
            """, logger: logger)
    }

    public func conversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws
        -> Conversation?
    {
        try await fetch(
            "conversation",
            """
            SELECT \(unescaped: Columns.conversation) FROM conversations
            WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
            """, logger: logger, Decode.conversation
        ).first
    }

    public func locationOfConversation(_ id: ConversationID, logger: Logger) async throws -> LocationID? {
        try await fetch(
            "locationOfConversation", "SELECT location_id FROM conversations WHERE id = \(id.rawValue) LIMIT 1",
            logger: logger
        ) { row in LocationID(rawValue: try row.decode(String.self)) }.first
    }

    public func conversation(forContact contact: ContactID, in location: LocationID, logger: Logger) async throws
        -> Conversation?
    {
        try await fetch(
            "conversationForContact",
            """
            SELECT \(unescaped: Columns.conversation) FROM conversations
            WHERE location_id = \(location.rawValue) AND contact_id = \(contact.rawValue)
            """, logger: logger, Decode.conversation
        ).first
    }

    public func updateConversation(
        _ id: ConversationID, in location: LocationID, changes: ConversationChanges, at time: Timestamp,
        logger: Logger
    ) async throws -> Conversation? {
        try await run("updateConversation", logger: logger, retries: 2, statements: 5) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                // The count before, under the row's lock: a change of it is announced (ConversationUnreadUpdate).
                let before = try await connection.fetch(
                    """
                    SELECT unread_count FROM conversations WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
                    FOR UPDATE
                    """, logger: logger
                ) { try $0.decode(Int.self) }.first
                guard let before else { return nil }
                let after = try await connection.fetch(
                    """
                    UPDATE conversations SET unread_count = COALESCE(\(changes.unreadCount), unread_count),
                        starred = COALESCE(\(changes.starred), starred), feedback = COALESCE(\(changes.feedback), feedback),
                        date_updated = \(time.rawValue)
                    WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
                    RETURNING \(unescaped: Columns.conversation)
                    """, logger: logger, Decode.conversation
                ).first
                if let after, after.unreadCount != before {
                    try await Self.announce([.unreadUpdate(of: after, at: time)], on: connection, logger: logger)
                }
                return after
            }
        }
    }

    public func deleteConversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Bool {
        try await run("deleteConversation", logger: logger, retries: 2, statements: 7) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await Self.deleteConversationRows(id, in: location, on: connection, logger: logger)
            }
        }
    }

    /// The conversation and what is its (messages, email records, transcriptions, files), inside the caller's
    /// transaction; whether it existed. Five statements.
    static func deleteConversationRows(
        _ id: ConversationID, in location: LocationID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        try await connection.query(
            "DELETE FROM messages WHERE location_id = \(location.rawValue) AND conversation_id = \(id.rawValue)",
            logger: logger)
        for table in ["email_records", "call_transcriptions"] {
            try await connection.query(
                """
                DELETE FROM \(unescaped: table)
                WHERE conversation_id = \(id.rawValue) AND location_id = \(location.rawValue)
                """, logger: logger)
        }
        try await deleteFiles(
            """
            WITH gone AS (DELETE FROM files WHERE location_id = \(location.rawValue) AND conversation_id = \(id.rawValue)
                RETURNING token)
            """, on: connection, logger: logger)
        let deleted = try await connection.fetch(
            "DELETE FROM conversations WHERE location_id = \(location.rawValue) AND id = \(id.rawValue) RETURNING 1",
            logger: logger
        ) { _ in true }
        return !deleted.isEmpty
    }

    public func searchConversations(_ query: ConversationSearchQuery, logger: Logger) async throws
        -> ConversationSearchResult
    {
        let filter = SearchFilter(query)
        if let pattern = filter.pattern {
            let matching = filter.matchingStatement(pattern, limit: Self.limit(query.limit))
            let walk = SearchWalk.blindLength(limit: query.limit)
            return try await run("searchConversations", logger: logger, statements: 6) { connection in
                try await connection.withSnapshot(logger: logger) { connection in
                    // A page of many matches comes from a short walk, then they are counted apart (`SearchWalk`).
                    if let walk {
                        let walked = try await connection.fetch(
                            filter.walkStatement(pattern, walk: walk, limit: query.limit), logger: logger
                        ) { row in try row.decoded(StoredRow.listing) }
                        if walked.count == query.limit {
                            let total = try await connection.fetch(filter.countStatement(pattern), logger: logger) { row in
                                try row.decode(Int.self)
                            }.first ?? 0
                            return ConversationSearchResult(conversations: walked, total: total)
                        }
                    }
                    let rows = try await connection.fetch(matching, logger: logger) {
                        row -> (total: Int, listing: ConversationListing?) in
                        var reader = RowReader(row)
                        let total = try reader.next(Int.self)
                        guard try reader.next(Bool?.self) == true else { return (total, nil) }  // an empty page
                        return (total, try StoredRow.listing(&reader))
                    }
                    return ConversationSearchResult(conversations: rows.compactMap(\.listing), total: rows.first?.total ?? 0)
                }
            }
        }
        var count = PostgresQuery.StringInterpolation(literalCapacity: 1024, interpolationCount: 8)
        count.appendLiteral("SELECT count(*) FROM conversations c WHERE c.location_id = ")
        count.appendInterpolation(filter.location)
        filter.writeConditions(on: "c", into: &count, withCursor: false)
        // The same filter, plus the cursor, the order and the limit.
        var page = PostgresQuery.StringInterpolation(literalCapacity: 1024, interpolationCount: 10)
        page.appendInterpolation(unescaped: "SELECT \(SearchFilter.listingColumns) FROM conversations c ")
        page.appendInterpolation(unescaped: "\(SearchFilter.contactJoin) WHERE c.location_id = ")
        page.appendInterpolation(filter.location)
        filter.writeConditions(on: "c", into: &page, withCursor: true)
        page.appendInterpolation(unescaped: " ORDER BY \(SearchFilter.sortKey("c")) \(filter.order), c.id \(filter.order) LIMIT ")
        page.appendInterpolation(Self.limit(query.limit))
        let (countQuery, pageQuery) = (PostgresQuery(stringInterpolation: count), PostgresQuery(stringInterpolation: page))
        return try await run("searchConversations", logger: logger, statements: 5) { connection in
            try await connection.withSnapshot(logger: logger) { connection in
                let total = try await connection.fetch(countQuery, logger: logger) { row in try row.decode(Int.self) }.first ?? 0
                let listings = try await connection.fetch(pageQuery, logger: logger) { row in
                    try row.decoded(StoredRow.listing)
                }
                return ConversationSearchResult(conversations: listings, total: total)
            }
        }
    }
}

/// A search's parameters as SQL needs them. The SQL fragments are constants picked by enum cases, never input.
private struct SearchFilter {
    let location: String
    let contact: String?
    /// `searchText` as a LIKE pattern over lowered text: what `lower()` does under COLLATE "C" (ASCII letters only);
    /// nil for no text or an empty one, which match everything, as in SQLite.
    let pattern: String?
    /// How the text is found among the location's words; nil where only the bodies can tell.
    let words: SearchWordLookup?
    let status: ConversationSearchQuery.Status
    let type: Int?
    let direction: String?
    let after: Int64?
    let order: String
    let comparison: String

    init(_ query: ConversationSearchQuery) {
        location = query.locationId.rawValue
        contact = query.contactId?.rawValue
        let lowered = query.searchText.flatMap { $0.isEmpty ? nil : Self.asciiLowercased($0) }
        pattern = lowered.map { "%" + SearchWordLookup.escapedForLike($0) + "%" }
        words = lowered.flatMap(SearchWordLookup.init(loweredText:))
        status = query.status
        type = query.lastMessageType?.code
        direction = query.lastMessageDirection?.rawValue
        after = query.startAfterDate?.rawValue
        (order, comparison) = query.sort == .desc ? ("DESC", "<") : ("ASC", ">")
    }

    /// The page's columns: a conversation (alias `c`) and its contact (alias `p`, NULLs when it has none).
    static let listingColumns =
        ConversationColumn.list(alias: "c") + ", " + ContactColumn.list(alias: "p")
    static let contactJoin = "LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id"

    /// The order of results: the last message's date, or the creation date of a conversation without messages.
    static func sortKey(_ alias: String) -> String { "COALESCE(\(alias).last_message_date, \(alias).date_added)" }

    /// The conditions on a conversation (alias `alias`) other than its location and the search text.
    func writeConditions(on alias: String, into query: inout PostgresQuery.StringInterpolation, withCursor: Bool) {
        if let contact { query.and("\(alias).contact_id = ", contact) }
        switch status {
        case .all, .recents: break
        case .read: query.appendInterpolation(unescaped: " AND \(alias).unread_count = 0")
        case .unread: query.appendInterpolation(unescaped: " AND \(alias).unread_count > 0")
        case .starred: query.appendInterpolation(unescaped: " AND \(alias).starred")
        }
        if let type { query.and("\(alias).last_message_type = ", type) }
        if let direction { query.and("\(alias).last_message_direction = ", direction) }
        if withCursor, let after { query.and("\(Self.sortKey(alias)) \(comparison) ", after) }
    }

    /// The conversations a search text matches, as `m (id, k)`: through the words of migration 018 or LIKE over
    /// the lowered fields through the trigram indexes of migrations 003 and 017, one branch per table so that each
    /// is an index scan.
    func writeMatches(_ pattern: String, into query: inout PostgresQuery.StringInterpolation) {
        query.appendLiteral("WITH m AS MATERIALIZED (")
        writeBodyMatches(pattern, selecting: "b.conversation_id AS id, b.sort_key AS k", into: &query)
        query.appendInterpolation(unescaped: " UNION SELECT n.id, \(Self.sortKey("n")) ")
        writeContactMatches(pattern, into: &query)
        query.appendLiteral(")")
    }

    /// `SELECT <columns>` of the conversations whose last message the text matches, from their rows of
    /// `conversation_search_words` or `conversation_search_bodies` (alias `b`: `conversation_id`, `sort_key`), joined
    /// to the conversations themselves (alias `bc`) only when another condition reads them, since those rows are
    /// what makes it slow.
    ///
    /// Through the words (`SearchWordLookup`), a body is read only for the rare rows without a word list (a word too
    /// long to keep); through the bodies, every candidate of the trigram index is read and checked.
    func writeBodyMatches(_ pattern: String, selecting columns: String, into query: inout PostgresQuery.StringInterpolation) {
        let joined = readsConversations
        func from(_ table: String) {
            query.appendInterpolation(unescaped: "SELECT \(columns) FROM \(table) b ")
            if joined {
                query.appendLiteral("JOIN conversations bc ON bc.location_id = b.location_id AND bc.id = b.conversation_id ")
            }
            query.appendLiteral("WHERE b.location_id = ")
            query.appendInterpolation(location)
            if joined { writeConditions(on: "bc", into: &query, withCursor: false) }
        }
        guard let words else {
            from("conversation_search_bodies")
            query.and("b.body LIKE ", pattern)
            return
        }
        from("conversation_search_words")
        words.writeCondition(on: "b", location: location, pattern: pattern, into: &query)
        query.appendLiteral(" UNION ALL ")
        from("conversation_search_words")
        query.appendLiteral("""
             AND b.word_hashes IS NULL AND EXISTS (SELECT FROM conversation_search_bodies t \
            WHERE t.location_id = b.location_id AND t.conversation_id = b.conversation_id AND t.body LIKE 
            """)
        query.appendInterpolation(pattern)
        query.appendLiteral(")")
    }

    /// Whether a condition other than the location, the text and the cursor reads a conversation's own row: whether
    /// `writeConditions` writes any, so a filter added there is never left out of the body's branch.
    var readsConversations: Bool {
        var conditions = PostgresQuery.StringInterpolation(literalCapacity: 64, interpolationCount: 4)
        writeConditions(on: "bc", into: &conditions, withCursor: false)
        return !PostgresQuery(stringInterpolation: conditions).sql.isEmpty
    }

    /// `FROM` the contacts the text matches and their conversations (aliases `q` and `n`), `WHERE` they match.
    func writeContactMatches(_ pattern: String, into query: inout PostgresQuery.StringInterpolation) {
        query.appendInterpolation(unescaped: """
            FROM contacts q JOIN conversations n ON n.location_id = q.location_id AND n.contact_id = q.id \
            WHERE q.location_id = 
            """)
        query.appendInterpolation(location)
        // The indexed lines narrow the contacts; each field then decides, so no match spans two fields.
        query.and("\(Self.contactLines) LIKE ", pattern)
        writeAnyMatches(pattern, fields: Self.contactFields("q"), into: &query)
        writeConditions(on: "n", into: &query, withCursor: false)
    }

    /// ` AND (<field> LIKE <pattern> OR …)`, for each of `fields`.
    func writeAnyMatches(_ pattern: String, fields: [String], into query: inout PostgresQuery.StringInterpolation) {
        query.appendLiteral(" AND (")
        for (index, field) in fields.enumerated() {
            if index > 0 { query.appendLiteral(" OR ") }
            query.appendInterpolation(unescaped: "\(field) LIKE ")
            query.appendInterpolation(pattern)
        }
        query.appendLiteral(")")
    }

    /// The number of matches: those whose last message matches plus those whose contact alone does, two counts of
    /// index scans, rather than gathered and made unique.
    func countStatement(_ pattern: String) -> PostgresQuery {
        var query = PostgresQuery.StringInterpolation(literalCapacity: 2048, interpolationCount: 16)
        query.appendLiteral("SELECT (SELECT count(*) FROM (")
        writeBodyMatches(pattern, selecting: "1", into: &query)
        query.appendLiteral(") AS bm) + (SELECT count(*) ")
        writeContactMatches(pattern, into: &query)
        query.and("\(Self.lastMessageBody("n")) NOT LIKE ", pattern)
        query.appendLiteral(")")
        return PostgresQuery(stringInterpolation: query)
    }

    /// A page from the location's first `walk` conversations in the page's order (the sort key's index), checked
    /// against the rule. It has fewer rows than the page when the walk ended too soon.
    func walkStatement(_ pattern: String, walk: Int, limit: Int) -> PostgresQuery {
        var query = PostgresQuery.StringInterpolation(literalCapacity: 2048, interpolationCount: 16)
        query.appendInterpolation(unescaped: "SELECT \(Self.listingColumns) FROM (SELECT * FROM conversations w WHERE w.location_id = ")
        query.appendInterpolation(location)
        if let after { query.and("\(Self.sortKey("w")) \(comparison) ", after) }
        query.appendInterpolation(unescaped: " ORDER BY \(Self.sortKey("w")) \(order), w.id \(order) LIMIT ")
        query.appendInterpolation(walk)
        query.appendInterpolation(unescaped: ") c \(Self.contactJoin) WHERE TRUE")
        writeConditions(on: "c", into: &query, withCursor: false)
        writeAnyMatches(pattern, fields: [Self.lastMessageBody("c")] + Self.contactFields("p"), into: &query)
        query.appendInterpolation(unescaped: " ORDER BY \(Self.sortKey("c")) \(order), c.id \(order) LIMIT ")
        query.appendInterpolation(limit)
        return PostgresQuery(stringInterpolation: query)
    }

    /// With a search text, count and page in one statement: the matches (`writeMatches`) are gathered once,
    /// counted, and only the page's rows are read whole. Its rows: the total, then whether a conversation follows
    /// (NULL on the one row of an empty page), then the listing's columns.
    func matchingStatement(_ pattern: String, limit: Int?) -> PostgresQuery {
        var query = PostgresQuery.StringInterpolation(literalCapacity: 2048, interpolationCount: 16)
        writeMatches(pattern, into: &query)
        query.appendInterpolation(unescaped: """
             SELECT t.total, page.* FROM (SELECT count(*) AS total FROM m) t LEFT JOIN LATERAL (
            SELECT TRUE AS listed, \(Self.listingColumns) FROM (SELECT id, k FROM m WHERE TRUE
            """)
        if let after { query.and("k \(comparison) ", after) }
        query.appendInterpolation(unescaped: " ORDER BY k \(order), id \(order) LIMIT ")
        query.appendInterpolation(limit)
        query.appendLiteral(") s JOIN conversations c ON c.location_id = ")
        query.appendInterpolation(location)
        query.appendInterpolation(unescaped: " AND c.id = s.id \(Self.contactJoin) ORDER BY s.k \(order), s.id \(order)) page ON TRUE")
        return PostgresQuery(stringInterpolation: query)
    }

    /// A contact's searched fields, one per line, lowered: the expression migration 003 indexed.
    static let contactLines = """
        lower(COALESCE(q.name, '') || chr(10) || COALESCE(q.first_name || ' ' || q.last_name, '') || chr(10) \
        || COALESCE(q.email, '') || chr(10) || COALESCE(q.phone, ''))
        """

    /// The last message's body of a conversation (alias `alias`), lowered: what `conversation_search_bodies` holds.
    static func lastMessageBody(_ alias: String) -> String { "lower(COALESCE(\(alias).last_message_body, ''))" }

    /// Each searched field of a contact (alias `alias`), lowered.
    static func contactFields(_ alias: String) -> [String] {
        [
            "lower(COALESCE(\(alias).name, ''))", "lower(COALESCE(\(alias).first_name || ' ' || \(alias).last_name, ''))",
            "lower(COALESCE(\(alias).email, ''))", "lower(COALESCE(\(alias).phone, ''))",
        ]
    }

    static func asciiLowercased(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
        }))
    }
}

extension PostgresQuery.StringInterpolation {
    /// ` AND <condition><value>`: `condition` is SQL of ours, `value` a bound parameter.
    fileprivate mutating func and(_ condition: String, _ value: some PostgresDynamicTypeEncodable) {
        appendInterpolation(unescaped: " AND " + condition)
        appendInterpolation(value)
    }
}
