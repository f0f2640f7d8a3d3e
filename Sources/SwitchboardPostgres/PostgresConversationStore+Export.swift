public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

// MARK: - Message status and export

extension PostgresConversationStore {
    public func updateMessageStatus(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        try await fetch(
            "updateMessageStatus",
            """
            UPDATE messages SET status = \(status), date_updated = \(time.rawValue)
            WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
            RETURNING \(unescaped: Columns.message)
            """, logger: logger, Decode.message
        ).first
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
