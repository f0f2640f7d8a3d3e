import PostgresNIO
import SwitchboardCore

// The page queries, the hot path: prepared once per connection, then only bound and executed.
// The keyset condition is in its own statement rather than behind `$n IS NULL OR …`, so that the generic plan
// PostgreSQL settles on for a prepared statement is still one range scan of `messages_page`.

/// Where the cursor message sits, and in which conversation. Looked up by primary key alone: with the
/// conversation in the WHERE clause too, a plan made without statistics may walk `messages_page` instead.
struct CursorPosition: PostgresPreparedStatement {
    static let name = "switchboard_cursor_position_v1"
    static let sql = "SELECT date_added, conversation_id FROM messages WHERE location_id = $1 AND id = $2"
    static var bindingDataTypes: [PostgresDataType] { [.text, .text] }
    typealias Row = (Int64, String)

    var location: String
    var message: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(location)
        bindings.append(message)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (Int64, String) { try row.decode((Int64, String).self) }
}

/// The newest page: messages by (date_added, id) descending. `types` nil selects every type; `limit` nil, all rows.
struct NewestPage: PostgresPreparedStatement {
    static let name = "switchboard_newest_page_v1"
    static let sql = """
        SELECT \(Columns.message) FROM messages
        WHERE conversation_id = $1 AND location_id = $2 AND ($3::int8[] IS NULL OR type_code = ANY($3::int8[]))
        ORDER BY date_added DESC, id DESC LIMIT $4
        """
    static var bindingDataTypes: [PostgresDataType] { [.text, .text, .int8Array, .int8] }
    typealias Row = Message

    var conversation: String
    var location: String
    var types: [Int]?
    var limit: Int?

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(conversation)
        bindings.append(location)
        bindings.append(types)
        bindings.append(limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Message { try Decode.message(row) }
}

/// The page strictly older than the cursor's (date_added, id), compared byte-wise.
struct PageAfter: PostgresPreparedStatement {
    static let name = "switchboard_page_after_v1"
    static let sql = """
        SELECT \(Columns.message) FROM messages
        WHERE conversation_id = $1 AND location_id = $2 AND (date_added, id) < ($3, $4 COLLATE "C")
            AND ($5::int8[] IS NULL OR type_code = ANY($5::int8[]))
        ORDER BY date_added DESC, id DESC LIMIT $6
        """
    static var bindingDataTypes: [PostgresDataType] { [.text, .text, .int8, .text, .int8Array, .int8] }
    typealias Row = Message

    var conversation: String
    var location: String
    var date: Int64
    var id: String
    var types: [Int]?
    var limit: Int?

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(conversation)
        bindings.append(location)
        bindings.append(date)
        bindings.append(id)
        bindings.append(types)
        bindings.append(limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Message { try Decode.message(row) }
}
