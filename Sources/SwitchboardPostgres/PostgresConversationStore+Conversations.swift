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
        try await fetch(
            "updateConversation",
            """
            UPDATE conversations SET unread_count = COALESCE(\(changes.unreadCount), unread_count),
                starred = COALESCE(\(changes.starred), starred), feedback = COALESCE(\(changes.feedback), feedback),
                date_updated = \(time.rawValue)
            WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
            RETURNING \(unescaped: Columns.conversation)
            """, logger: logger, Decode.conversation
        ).first
    }

    public func deleteConversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Bool {
        try await run("deleteConversation", logger: logger, retries: 2, statements: 4) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "DELETE FROM messages WHERE location_id = \(location.rawValue) AND conversation_id = \(id.rawValue)",
                    logger: logger)
                let deleted = try await connection.fetch(
                    "DELETE FROM conversations WHERE location_id = \(location.rawValue) AND id = \(id.rawValue) RETURNING 1",
                    logger: logger
                ) { _ in true }
                return !deleted.isEmpty
            }
        }
    }

    public func searchConversations(_ query: ConversationSearchQuery, logger: Logger) async throws
        -> ConversationSearchResult
    {
        let filter = SearchFilter(query)
        var count = PostgresQuery.StringInterpolation(literalCapacity: 1024, interpolationCount: 8)
        count.appendLiteral("SELECT count(*) ")
        filter.write(into: &count, withCursor: false)
        // The same filter, plus the cursor, the order and the limit. The sort key is the last message's date, or
        // the creation date of a conversation without messages.
        var page = PostgresQuery.StringInterpolation(literalCapacity: 1024, interpolationCount: 10)
        page.appendLiteral("SELECT ")
        page.appendInterpolation(unescaped: Columns.prefixed(Columns.conversation, with: "c"))
        page.appendLiteral(", ")
        page.appendInterpolation(unescaped: Columns.prefixed(Columns.contact, with: "p"))
        page.appendLiteral(" ")
        filter.write(into: &page, withCursor: true)
        page.appendInterpolation(
            unescaped: " ORDER BY COALESCE(c.last_message_date, c.date_added) \(filter.order), c.id \(filter.order) LIMIT ")
        page.appendInterpolation(Self.limit(query.limit))
        let (countQuery, pageQuery) = (PostgresQuery(stringInterpolation: count), PostgresQuery(stringInterpolation: page))
        return try await run("searchConversations", logger: logger, statements: 5) { connection in
            try await connection.withSnapshot(logger: logger) { connection in
                let total = try await connection.fetch(countQuery, logger: logger) { row in try row.decode(Int.self) }.first ?? 0
                let listings = try await connection.fetch(pageQuery, logger: logger) { row in
                    var reader = RowReader(row)
                    let conversation = try Decode.conversation(&reader)
                    return ConversationListing(conversation: conversation, contact: try Decode.optionalContact(&reader))
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
    /// The text to look for; an empty text matches everything, as in SQLite.
    let needle: String?
    /// `needle` as a LIKE pattern over lowered text: what `lower()` does under COLLATE "C" (ASCII letters only).
    let pattern: String?
    let statusCondition: String
    let type: Int?
    let direction: String?
    let after: Int64?
    let order: String
    let comparison: String

    init(_ query: ConversationSearchQuery) {
        location = query.locationId.rawValue
        contact = query.contactId?.rawValue
        needle = query.searchText.flatMap { $0.isEmpty ? nil : $0 }
        pattern = needle.map { "%" + Self.escapedForLike(Self.asciiLowercased($0)) + "%" }
        statusCondition =
            switch query.status {
            case .all, .recents: "TRUE"
            case .read: "c.unread_count = 0"
            case .unread: "c.unread_count > 0"
            case .starred: "c.starred"
            }
        type = query.lastMessageType?.code
        direction = query.lastMessageDirection?.rawValue
        after = query.startAfterDate?.rawValue
        (order, comparison) = query.sort == .desc ? ("DESC", "<") : ("ASC", ">")
    }

    /// `FROM … WHERE …` of both the count and the page. A search text picks its candidates by LIKE over the lowered
    /// fields, through trigram indexes (migration 003), one branch per table so that each branch is an index scan.
    func write(into query: inout PostgresQuery.StringInterpolation, withCursor: Bool) {
        query.appendLiteral("""
            FROM conversations c
            LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
            WHERE c.location_id = 
            """)
        query.appendInterpolation(location)
        if let contact { query.and("c.contact_id = ", contact) }
        if let pattern {
            query.appendLiteral(" AND c.id IN (SELECT b.id FROM conversations b WHERE b.location_id = ")
            query.appendInterpolation(location)
            query.appendLiteral(" AND lower(COALESCE(b.last_message_body, '')) LIKE ")
            query.appendInterpolation(pattern)
            query.appendLiteral("""
                 UNION SELECT n.id FROM contacts q JOIN conversations n ON n.location_id = q.location_id AND n.contact_id = q.id
                WHERE q.location_id = 
                """)
            query.appendInterpolation(location)
            // The indexed lines narrow the contacts; each field then decides, so no match spans two fields.
            query.appendInterpolation(unescaped: " AND \(Self.contactLines) LIKE ")
            query.appendInterpolation(pattern)
            query.appendLiteral(" AND (")
            for (index, field) in Self.contactFields.enumerated() {
                if index > 0 { query.appendLiteral(" OR ") }
                query.appendInterpolation(unescaped: "\(field) LIKE ")
                query.appendInterpolation(pattern)
            }
            query.appendLiteral("))")
        }
        query.appendInterpolation(unescaped: " AND \(statusCondition)")
        if let type { query.and("c.last_message_type = ", type) }
        if let direction { query.and("c.last_message_direction = ", direction) }
        if withCursor, let after { query.and("COALESCE(c.last_message_date, c.date_added) \(comparison) ", after) }
    }

    /// A contact's searched fields, one per line, lowered: the expression migration 003 indexed.
    static let contactLines = """
        lower(COALESCE(q.name, '') || chr(10) || COALESCE(q.first_name || ' ' || q.last_name, '') || chr(10) \
        || COALESCE(q.email, '') || chr(10) || COALESCE(q.phone, ''))
        """

    /// Each searched field of a contact (alias `q`), lowered.
    static let contactFields = [
        "lower(COALESCE(q.name, ''))", "lower(COALESCE(q.first_name || ' ' || q.last_name, ''))",
        "lower(COALESCE(q.email, ''))", "lower(COALESCE(q.phone, ''))",
    ]

    static func asciiLowercased(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
        }))
    }

    /// LIKE's wildcards and its escape character, taken literally.
    static func escapedForLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

extension Decode {
    /// The contact columns of a LEFT JOIN: nil when no contact matched.
    static func optionalContact(_ reader: inout RowReader) throws -> Contact? {
        let location: String? = try reader.next()
        guard let location, let id = try reader.next(String?.self) else { return nil }
        return Contact(
            id: ContactID(rawValue: id), locationId: LocationID(rawValue: location), firstName: try reader.next(),
            lastName: try reader.next(), name: try reader.next(), email: try reader.next(), phone: try reader.next(),
            companyName: try reader.next(), dateAdded: Timestamp(rawValue: try reader.next()),
            dateUpdated: Timestamp(rawValue: try reader.next()))
    }
}

extension PostgresQuery.StringInterpolation {
    /// ` AND <condition><value>`: `condition` is SQL of ours, `value` a bound parameter.
    fileprivate mutating func and(_ condition: String, _ value: some PostgresDynamicTypeEncodable) {
        appendInterpolation(unescaped: " AND " + condition)
        appendInterpolation(value)
    }
}
