import Foundation
import PostgresNIO
import SwitchboardCore
import SwitchboardStorage

/// Reads a row's cells left to right, in the order of the SELECT's column list.
struct RowReader {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    mutating func next<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
        guard let cell = cells.next() else { throw StoreError.unavailable("the database returned too few columns") }
        return try cell.decode(T.self, context: .default)
    }
}

/// Column lists, shared by every query of a table. The order matches the SQLite backend's and `Decode`'s.
enum Columns {
    static let location = "id, name, date_added"
    static let token = "location_id, id, token_hash, name, scopes, created_at, revoked_at"
    static let contact = "location_id, id, first_name, last_name, name, email, phone, company_name, date_added, date_updated"
    static let conversation = """
        location_id, id, contact_id, date_added, date_updated, unread_count, starred, deleted, last_message_body, \
        last_message_type, last_message_date, last_message_direction
        """
    static let message = """
        location_id, id, conversation_id, contact_id, type_code, direction, status, body, content_type, date_added, \
        date_updated, source, user_id, alt_id, attachments, call_duration, call_status, email_message_ids, \
        conversation_provider_id, chat_widget_id
        """

    /// A column list with every column prefixed by a table alias, for joins.
    static func prefixed(_ columns: String, with alias: String) -> String {
        columns.split(separator: ",").map { "\(alias)." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
    }
}

/// Rows to domain values, reading the columns in `Columns` order.
enum Decode {
    static func location(_ row: PostgresRow) throws -> Location {
        var reader = RowReader(row)
        return Location(id: LocationID(rawValue: try reader.next()), name: try reader.next(), dateAdded: Timestamp(rawValue: try reader.next()))
    }

    static func token(_ row: PostgresRow) throws -> StoredToken {
        var reader = RowReader(row)
        let location = LocationID(rawValue: try reader.next())
        let id: String = try reader.next()
        let hash = TokenHash(rawValue: try reader.next())
        let name: String = try reader.next()
        let scopes = StoredToken.scopes(fromList: try reader.next())
        let createdAt = Timestamp(rawValue: try reader.next())
        let revokedAt = (try reader.next(Int64?.self)).map(Timestamp.init(rawValue:))
        return StoredToken(
            id: id, hash: hash, locationId: location, name: name, scopes: scopes, createdAt: createdAt,
            revokedAt: revokedAt)
    }

    static func contact(_ reader: inout RowReader) throws -> Contact {
        let location = LocationID(rawValue: try reader.next())
        let id = ContactID(rawValue: try reader.next())
        return Contact(
            id: id, locationId: location, firstName: try reader.next(), lastName: try reader.next(),
            name: try reader.next(), email: try reader.next(), phone: try reader.next(),
            companyName: try reader.next(), dateAdded: Timestamp(rawValue: try reader.next()),
            dateUpdated: Timestamp(rawValue: try reader.next()))
    }

    static func contact(_ row: PostgresRow) throws -> Contact {
        var reader = RowReader(row)
        return try contact(&reader)
    }

    static func conversation(_ reader: inout RowReader) throws -> Conversation {
        let location = LocationID(rawValue: try reader.next())
        let id = ConversationID(rawValue: try reader.next())
        return Conversation(
            id: id, locationId: location, contactId: ContactID(rawValue: try reader.next()),
            dateAdded: Timestamp(rawValue: try reader.next()), dateUpdated: Timestamp(rawValue: try reader.next()),
            unreadCount: try reader.next(), starred: try reader.next(), deleted: try reader.next(),
            lastMessageBody: try reader.next(),
            // An unknown stored code reads as "no type", as in the SQLite backend.
            lastMessageType: (try reader.next(Int?.self)).flatMap(MessageType.init(code:)),
            lastMessageDate: (try reader.next(Int64?.self)).map(Timestamp.init(rawValue:)),
            lastMessageDirection: (try reader.next(String?.self)).flatMap(MessageDirection.init(rawValue:)))
    }

    static func conversation(_ row: PostgresRow) throws -> Conversation {
        var reader = RowReader(row)
        return try conversation(&reader)
    }

    static func message(_ row: PostgresRow) throws -> Message {
        var reader = RowReader(row)
        let location = LocationID(rawValue: try reader.next())
        let id = MessageID(rawValue: try reader.next())
        let conversationId = ConversationID(rawValue: try reader.next())
        let contactId = ContactID(rawValue: try reader.next())
        let code: Int = try reader.next()
        guard let type = MessageType(code: code) else { throw StoreError.unavailable("unknown message type \(code)") }
        let direction = (try reader.next(String?.self)).flatMap(MessageDirection.init(rawValue:))
        let status: String? = try reader.next()
        let body: String? = try reader.next()
        let contentType: String? = try reader.next()
        let dateAdded = Timestamp(rawValue: try reader.next())
        let dateUpdated = Timestamp(rawValue: try reader.next())
        let source: String? = try reader.next()
        let userId: String? = try reader.next()
        let altId: String? = try reader.next()
        let attachments = (try reader.next(String?.self)).map(StringListColumn.decode)
        let callDuration: Int? = try reader.next()
        let callStatus: String? = try reader.next()
        return Message(
            id: id, conversationId: conversationId, locationId: location, contactId: contactId, messageType: type,
            direction: direction, status: status, body: body, contentType: contentType, dateAdded: dateAdded,
            dateUpdated: dateUpdated, source: source, userId: userId, altId: altId, attachments: attachments,
            call: callDuration == nil && callStatus == nil ? nil : CallDetails(duration: callDuration, status: callStatus),
            emailMessageIds: (try reader.next(String?.self)).map(StringListColumn.decode),
            conversationProviderId: try reader.next(), chatWidgetId: try reader.next())
    }
}

/// Lists of strings (attachments, email message ids) are kept as a JSON array in one text column, exactly as the
/// SQLite backend keeps them.
enum StringListColumn {
    static func encode(_ values: [String]) -> String {
        var json = JSONWriter(capacity: 64)
        json.stringArray(values)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

/// A one-dimensional PostgreSQL array whose elements may be NULL, for `unnest` bulk inserts.
/// postgres-nio encodes `[T]` but not `[T?]`; this writes the same binary array format with NULL elements.
struct NullableArray<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable>: PostgresNonThrowingEncodable {
    var elements: [Element?]

    init(_ elements: [Element?]) { self.elements = elements }

    static var psqlType: PostgresDataType { Element.psqlArrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)  // dimensions
        buffer.writeInteger(elements.contains { $0 == nil } ? 1 : 0, as: Int32.self)  // has NULLs
        buffer.writeInteger(Element.psqlType.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(truncatingIfNeeded: elements.count))
        buffer.writeInteger(1, as: Int32.self)  // lower bound
        for element in elements {
            if let element {
                // Each element is its byte length followed by its binary value.
                let lengthIndex = buffer.writerIndex
                buffer.writeInteger(0, as: Int32.self)
                let start = buffer.writerIndex
                if let text = element as? String {
                    SQLiteText(text).encode(into: &buffer, context: context)
                } else {
                    element.encode(into: &buffer, context: context)
                }
                buffer.setInteger(Int32(truncatingIfNeeded: buffer.writerIndex - start), at: lengthIndex)
            } else {
                buffer.writeInteger(-1, as: Int32.self)
            }
        }
    }
}

extension Array {
    /// The elements in consecutive pieces of at most `size`: one bulk (`unnest`) statement each.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
