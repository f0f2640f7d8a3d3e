import Foundation
import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

// MARK: - Messages

extension SQLiteConversationStore {
    public func insertMessages(_ messages: [Message], events: [WebhookEvent], logger: Logger) async throws {
        guard !messages.isEmpty else { return }
        try await write { db in try Self.store(messages, events: events, db: db) }
    }

    /// Stores messages, their conversations' summaries and their events, inside the caller's transaction.
    static func store(_ messages: [Message], events: [WebhookEvent], db: Database) throws {
        let summaries = ConversationSummaryChange.perConversation(messages)
        // The events first: a batch refused by its rows (a taken id) must take its events back with it.
        try enqueue(events, db: db)
        let created = try createMissing(summaries, summarised: true, db: db)
        try apply(summaries.filter { !created.contains($0.key) }, db: db)
        try insertRows(messages, db: db)
        // Inbound messages raise their conversation's unread count: a write that announces its messages (not an
        // import without --webhooks, not a seed) announces the new count too.
        if let time = events.map(\.createdAt).max() {
            for (key, change) in summaries where change.inboundCount > 0 {
                guard let conversation = try conversation(key, db: db) else { continue }
                try enqueue([.unreadUpdate(of: conversation, at: time)], db: db)
            }
        }
    }

    /// Inserts the message rows alone, many per statement: one step per chunk instead of per message.
    static func insertRows(_ messages: [Message], db: Database) throws {
        var offset = 0
        while offset < messages.count {
            let chunk = messages[offset..<min(offset + rowsPerInsert, messages.count)]
            try MessageRowBinder.insert(chunk, with: db.cachedStatement(sql: insertMessagesSQL(rows: chunk.count)), in: db)
            offset += chunk.count
        }
    }

    /// Creates the conversations whose first messages these are, many per statement; `summarised`, with the
    /// batch's summary already in them. Both for the search index's trigger: inside a transaction FTS5 writes out its
    /// pending terms at every statement, and a conversation's entry written by a statement of its own, then rewritten
    /// by its summary, cost about 430 µs (20,000 new conversations, this machine). A contact that already has another
    /// conversation in the location violates the unique key, and the whole batch rolls back. Those created.
    static func createMissing(
        _ changes: [ConversationKey: ConversationSummaryChange], summarised: Bool, db: Database
    ) throws -> Set<ConversationKey> {
        var columns = ["location_id", "id", "contact_id", "date_added", "date_updated"]
        if summarised {
            columns += [
                "unread_count", "last_message_id", "last_message_body", "last_message_type", "last_message_direction",
                "last_message_date",
            ]
        }
        var created: Set<ConversationKey> = []
        try chunked(
            Array(changes), db: db,
            sql: { rows in
                """
                INSERT INTO conversations (\(columns.joined(separator: ", "))) VALUES \(placeholders(rows: rows, columns: columns.count))
                ON CONFLICT (location_id, id) DO NOTHING
                RETURNING location_id, id
                """
            },
            values: { key, change in
                let newest = change.newest
                var values: [(any DatabaseValueConvertible)?] = [
                    key.location.rawValue, key.conversation.rawValue, newest.contactId.rawValue,
                    change.oldestDate.rawValue, newest.dateAdded.rawValue,
                ]
                if summarised {
                    values += [
                        change.inboundCount, newest.id.rawValue, newest.body, newest.messageType.code,
                        newest.direction?.rawValue, newest.dateAdded.rawValue,
                    ]
                }
                return values
            },
            each: { row in
                created.insert(ConversationKey(location: LocationID(rawValue: row[0]), conversation: ConversationID(rawValue: row[1])))
            })
        return created
    }

    /// Moves each conversation's summary by its change, many per statement (for the search index, as above: a
    /// statement a conversation cost about 190 µs, 1,000 a statement about 65). The summary follows the newest
    /// message by (dateAdded, id), the same order the page uses.
    static func apply(_ changes: [ConversationKey: ConversationSummaryChange], db: Database) throws {
        let newer = "last_message_date IS NULL OR (last_message_date, last_message_id) < (v.date, v.message_id)"
        try chunked(
            Array(changes), db: db,
            sql: { rows in
                """
                UPDATE conversations SET
                    unread_count = unread_count + v.inbound,
                    date_updated = MAX(date_updated, v.date),
                    last_message_id = CASE WHEN \(newer) THEN v.message_id ELSE last_message_id END,
                    last_message_body = CASE WHEN \(newer) THEN v.body ELSE last_message_body END,
                    last_message_type = CASE WHEN \(newer) THEN v.type ELSE last_message_type END,
                    last_message_direction = CASE WHEN \(newer) THEN v.direction ELSE last_message_direction END,
                    last_message_date = CASE WHEN \(newer) THEN v.date ELSE last_message_date END
                FROM (
                    SELECT column1 AS location_id, column2 AS id, column3 AS inbound, column4 AS date,
                        column5 AS message_id, column6 AS body, column7 AS type, column8 AS direction
                    FROM (VALUES \(placeholders(rows: rows, columns: 8)))
                ) AS v
                WHERE conversations.location_id = v.location_id AND conversations.id = v.id
                """
            },
            values: { key, change in
                let newest = change.newest
                return [
                    key.location.rawValue, key.conversation.rawValue, change.inboundCount, newest.dateAdded.rawValue,
                    newest.id.rawValue, newest.body, newest.messageType.code, newest.direction?.rawValue,
                ]
            })
    }

    /// Runs the statement `sql(n)` writes for `n` entries over `entries`, 1,000 at a time (11 columns × 1,000 stays
    /// below SQLite's 32,766 bound parameters), binding each entry's `values` in order; `each` sees the rows the
    /// statements return. The statements of a whole chunk and of a few entries (a server's write brings one
    /// conversation) are kept in the cache; other sizes, a batch's last chunk, are prepared each time.
    private static func chunked<Entry>(
        _ entries: [Entry], db: Database, sql: (Int) -> String,
        values: (Entry) -> [(any DatabaseValueConvertible)?], each: (Row) -> Void = { _ in }
    ) throws {
        let perStatement = 1_000
        var offset = 0
        while offset < entries.count {
            let chunk = entries[offset..<min(offset + perStatement, entries.count)]
            var arguments = StatementArguments()
            for entry in chunk { arguments += StatementArguments(values(entry)) }
            let text = sql(chunk.count)
            let kept = chunk.count == perStatement || chunk.count <= 4
            let statement = try kept ? db.cachedStatement(sql: text) : db.makeStatement(sql: text)
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() { each(row) }
            offset += chunk.count
        }
    }

    /// `(?, …), …`: `rows` rows of `columns` parameters.
    private static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return Array(repeating: row, count: rows).joined(separator: ",")
    }

    static let messageColumns = MessageColumn.list

    /// 20 columns × 50 rows stays far below SQLite's limit of 32,766 bound parameters.
    private static let rowsPerInsert = 50
    private static let fullInsertSQL = insertMessagesSQL(building: rowsPerInsert)

    private static func insertMessagesSQL(rows: Int) -> String {
        rows == rowsPerInsert ? fullInsertSQL : insertMessagesSQL(building: rows)
    }

    private static func insertMessagesSQL(building rows: Int) -> String {
        "INSERT INTO messages (\(messageColumns)) VALUES " + placeholders(rows: rows, columns: MessageColumn.count)
    }

    public func messagePage(_ query: MessagePageQuery, logger: Logger) async throws -> MessagePage {
        try await pool.read { db in
            var arguments: StatementArguments = [query.conversationId.rawValue, query.locationId.rawValue]
            // Pinned to the page index: without statistics SQLite preferred the export index (location, date), which
            // also avoids a sort, and scanned the whole location for one conversation's page — 0.3 s for the newest
            // page and 3 s with a type filter at 1,000,000 messages, instead of a range of one conversation.
            var sql = "SELECT \(Self.messageColumns) FROM messages INDEXED BY messages_page WHERE conversation_id = ? AND location_id = ?"
            if let cursor = query.lastMessageId {
                let position = try db.cachedStatement(
                    sql: "SELECT date_added FROM messages WHERE location_id = ? AND id = ? AND conversation_id = ?")
                guard
                    let dateAdded = try Int64.fetchOne(
                        position,
                        arguments: [query.locationId.rawValue, cursor.rawValue, query.conversationId.rawValue])
                else { throw SwitchboardError.invalidLastMessageId }
                sql += " AND (date_added, id) < (?, ?)"
                arguments += [dateAdded, cursor.rawValue]
            }
            if let filter = query.filter {
                sql += " AND type_code IN (" + filter.types.map { _ in "?" }.joined(separator: ",") + ")"
                arguments += StatementArguments(filter.types.map(\.code))
            }
            sql += " ORDER BY date_added DESC, id DESC LIMIT ?"
            arguments += [query.limit + 1]
            var messages: [Message] = []
            messages.reserveCapacity(query.limit + 1)
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
            while let row = try rows.next() {
                messages.append(try Decode.message(row))
            }
            let nextPage = messages.count > query.limit
            if nextPage { messages.removeLast() }
            return MessagePage(messages: messages, nextPage: nextPage)
        }
    }

    public func message(_ id: MessageID, in location: LocationID, logger: Logger) async throws -> Message? {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.messageColumns) FROM messages WHERE location_id = ? AND id = ?")
            return try Row.fetchOne(statement, arguments: [location.rawValue, id.rawValue]).map(Decode.message)
        }
    }

    public func locationOfMessage(_ id: MessageID, logger: Logger) async throws -> LocationID? {
        try await locationHolding(id.rawValue, in: "messages")
    }

}
