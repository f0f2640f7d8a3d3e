import Foundation
import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

// MARK: - Message status and export

extension SQLiteConversationStore {
    public func updateMessageStatus(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        try await write { db in try Self.setStatus(of: id, in: location, to: status, at: time, db: db) }
    }

    /// Changes the message's status and writes its event, inside the caller's transaction; nil when there is none.
    static func setStatus(of id: MessageID, in location: LocationID, to status: String, at time: Timestamp, db: Database)
        throws -> Message?
    {
        try db.execute(
            sql: "UPDATE messages SET status = ?, date_updated = ? WHERE location_id = ? AND id = ?",
            arguments: [status, time.rawValue, location.rawValue, id.rawValue])
        let updated = try Row.fetchOne(
            db, sql: "SELECT \(messageColumns) FROM messages WHERE location_id = ? AND id = ?",
            arguments: [location.rawValue, id.rawValue]
        ).map(Decode.message)
        if let updated { try enqueue([.message(updated, at: time, email: try emailRecord(of: updated, db: db))], db: db) }
        return updated
    }

    public func exportMessages(_ query: MessageExportQuery, logger: Logger) async throws -> MessageExportPage {
        try await pool.read { db in
            let dateColumn = query.sortBy == .createdAt ? "date_added" : "date_updated"
            // One conversation by creation date is a range of the page index; the planner would walk the location.
            let table = query.conversationId != nil && query.sortBy == .createdAt ? "messages INDEXED BY messages_page" : "messages"
            var conditions = SQLConditions("location_id = ?", query.locationId.rawValue)
            if let conversationId = query.conversationId { conditions.and("conversation_id = ?", conversationId.rawValue) }
            if let contactId = query.contactId { conditions.and("contact_id = ?", contactId.rawValue) }
            if let types = query.types {
                conditions.and(
                    "type_code IN (" + types.map { _ in "?" }.joined(separator: ",") + ")",
                    arguments: StatementArguments(types.map(\.code)))
            }
            if let start = query.startDate { conditions.and("\(dateColumn) >= ?", start.rawValue) }
            if let end = query.endDate { conditions.and("\(dateColumn) <= ?", end.rawValue) }
            let filter = conditions.sql
            let arguments = conditions.arguments
            // Counted on the first page only: later pages carry the total in their cursor.
            let total = try query.cursor?.total
                ?? Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(filter)", arguments: arguments) ?? 0
            var pageFilter = filter
            var pageArguments = arguments
            if let cursor = query.cursor {
                pageFilter += query.sortOrder == .desc ? " AND (\(dateColumn), id) < (?, ?)" : " AND (\(dateColumn), id) > (?, ?)"
                pageArguments += [cursor.date.rawValue, cursor.id.rawValue]
            }
            let order = query.sortOrder == .desc ? "DESC" : "ASC"
            var messages = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.messageColumns) FROM \(table) WHERE \(pageFilter)
                    ORDER BY \(dateColumn) \(order), id \(order) LIMIT ?
                    """,
                arguments: pageArguments + [query.limit + 1]
            ).map(Decode.message)
            var nextCursor: ExportCursor?
            if messages.count > query.limit {
                messages.removeLast()
                if let last = messages.last {
                    nextCursor = ExportCursor(
                        date: query.sortBy == .createdAt ? last.dateAdded : last.dateUpdated, id: last.id, total: total)
                }
            }
            return MessageExportPage(messages: messages, nextCursor: nextCursor, total: total)
        }
    }
}
