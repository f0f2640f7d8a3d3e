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
        let count: PostgresQuery = """
            SELECT count(*) FROM conversations c
            LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
            WHERE c.location_id = \(filter.location)
                AND (\(filter.contact)::text IS NULL OR c.contact_id = \(filter.contact))
                AND (\(filter.needle)::text IS NULL
                    OR strpos(lower(COALESCE(p.name, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(p.first_name || ' ' || p.last_name, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(p.email, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(p.phone, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(c.last_message_body, '')), lower(\(filter.needle)::text COLLATE "C")) > 0)
                AND \(unescaped: filter.statusCondition)
                AND (\(filter.type)::int8 IS NULL OR c.last_message_type = \(filter.type))
                AND (\(filter.direction)::text IS NULL OR c.last_message_direction = \(filter.direction))
            """
        // The same filter, plus the cursor, the order and the limit. The sort key is the last message's date, or
        // the creation date of a conversation without messages.
        let page: PostgresQuery = """
            SELECT \(unescaped: Columns.prefixed(Columns.conversation, with: "c")),
                \(unescaped: Columns.prefixed(Columns.contact, with: "p"))
            FROM conversations c
            LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id
            WHERE c.location_id = \(filter.location)
                AND (\(filter.contact)::text IS NULL OR c.contact_id = \(filter.contact))
                AND (\(filter.needle)::text IS NULL
                    OR strpos(lower(COALESCE(p.name, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(p.first_name || ' ' || p.last_name, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(p.email, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(p.phone, '')), lower(\(filter.needle)::text COLLATE "C")) > 0
                    OR strpos(lower(COALESCE(c.last_message_body, '')), lower(\(filter.needle)::text COLLATE "C")) > 0)
                AND \(unescaped: filter.statusCondition)
                AND (\(filter.type)::int8 IS NULL OR c.last_message_type = \(filter.type))
                AND (\(filter.direction)::text IS NULL OR c.last_message_direction = \(filter.direction))
                AND (\(filter.after)::int8 IS NULL
                    OR COALESCE(c.last_message_date, c.date_added) \(unescaped: filter.comparison) \(filter.after))
            ORDER BY COALESCE(c.last_message_date, c.date_added) \(unescaped: filter.order), c.id \(unescaped: filter.order)
            LIMIT \(Self.limit(query.limit))
            """
        return try await run("searchConversations", logger: logger, statements: 5) { connection in
            try await connection.withSnapshot(logger: logger) { connection in
                let total = try await connection.fetch(count, logger: logger) { row in try row.decode(Int.self) }.first ?? 0
                let listings = try await connection.fetch(page, logger: logger) { row in
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
    let statusCondition: String
    let type: Int?
    let direction: String?
    let after: Int64?
    let order: String
    let comparison: String

    init(_ query: ConversationSearchQuery) {
        location = query.locationId.rawValue
        contact = query.contactId?.rawValue
        needle = query.text.flatMap { $0.isEmpty ? nil : $0 }
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
