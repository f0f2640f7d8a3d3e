public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

// MARK: - Message status and export

extension PostgresConversationStore {
    public func updateMessageStatus(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        try await run("updateMessageStatus", logger: logger, statements: 6) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await Self.setStatus(of: id, in: location, to: status, at: time, on: connection, logger: logger)
            }
        }
    }

    /// Changes the message's status and writes its event, inside the caller's transaction; nil when there is none.
    static func setStatus(
        of id: MessageID, in location: LocationID, to status: String, at time: Timestamp, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Message? {
        // The conversation's row first, as a message write takes it (its summary) before its events: the
        // events of one conversation then get their order in the order their writes commit.
        try await connection.query(
            """
            SELECT 1 FROM conversations c JOIN messages m ON m.location_id = c.location_id
                AND m.conversation_id = c.id
            WHERE m.location_id = \(location.rawValue) AND m.id = \(id.rawValue) FOR UPDATE OF c
            """, logger: logger)
        let updated = try await connection.fetch(
            """
            UPDATE messages SET status = \(status), date_updated = \(time.rawValue)
            WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
            RETURNING \(unescaped: Columns.message)
            """, logger: logger, Decode.message
        ).first
        if let updated {
            let email = try await emailRecord(of: updated, on: connection, logger: logger)
            try await announce([.message(updated, at: time, email: email)], on: connection, logger: logger)
        }
        return updated
    }

    public func exportMessages(_ query: MessageExportQuery, logger: Logger) async throws -> MessageExportPage {
        // Constant fragments chosen by enum cases; every value is a bind.
        let dateColumn = query.sortBy == .createdAt ? "date_added" : "date_updated"
        let (order, comparison) = query.sortOrder == .desc ? ("DESC", "<") : ("ASC", ">")
        let location = query.locationId.rawValue
        let conversation = query.conversationId?.rawValue
        let contact = query.contactId?.rawValue
        let types = query.types?.map(\.code)
        let start = query.startDate?.rawValue
        let end = query.endDate?.rawValue
        let count: PostgresQuery = """
            SELECT count(*) FROM messages
            WHERE location_id = \(location)
                AND (\(conversation)::text IS NULL OR conversation_id = \(conversation))
                AND (\(contact)::text IS NULL OR contact_id = \(contact))
                AND (\(types)::int8[] IS NULL OR type_code = ANY(\(types)::int8[]))
                AND (\(start)::int8 IS NULL OR \(unescaped: dateColumn) >= \(start))
                AND (\(end)::int8 IS NULL OR \(unescaped: dateColumn) <= \(end))
            """
        let page: PostgresQuery = """
            SELECT \(unescaped: Columns.message) FROM messages
            WHERE location_id = \(location)
                AND (\(conversation)::text IS NULL OR conversation_id = \(conversation))
                AND (\(contact)::text IS NULL OR contact_id = \(contact))
                AND (\(types)::int8[] IS NULL OR type_code = ANY(\(types)::int8[]))
                AND (\(start)::int8 IS NULL OR \(unescaped: dateColumn) >= \(start))
                AND (\(end)::int8 IS NULL OR \(unescaped: dateColumn) <= \(end))
                AND (\(query.cursor?.date.rawValue)::int8 IS NULL
                    OR (\(unescaped: dateColumn), id) \(unescaped: comparison)
                        (\(query.cursor?.date.rawValue), \(query.cursor?.id.rawValue)::text COLLATE "C"))
            ORDER BY \(unescaped: dateColumn) \(unescaped: order), id \(unescaped: order)
            LIMIT \(query.limit == .max ? nil : Self.limit(query.limit + 1))
            """
        var (messages, total) = try await run("exportMessages", logger: logger, statements: 5) { connection in
            try await connection.withSnapshot(logger: logger) { connection in
                // Counted on the first page only: later pages carry the total in their cursor.
                var total = query.cursor?.total
                if total == nil {
                    total = try await connection.fetch(count, logger: logger) { row in try row.decode(Int.self) }.first
                }
                return (try await connection.fetch(page, logger: logger, Decode.message), total ?? 0)
            }
        }
        var nextCursor: ExportCursor?
        if messages.count > query.limit, !messages.isEmpty {
            messages.removeLast()
            if let last = messages.last {
                nextCursor = ExportCursor(
                    date: query.sortBy == .createdAt ? last.dateAdded : last.dateUpdated, id: last.id, total: total)
            }
        }
        return MessageExportPage(messages: messages, nextCursor: nextCursor, total: total)
    }
}
