import Foundation
import PostgresNIO
import SwitchboardCore
import SwitchboardStorage

/// Reads a row's cells left to right, in the order of the SELECT's column list: the storage module's
/// `StoredRowReader`, so both backends share one decoding of each table (`StoredRow`).
struct RowReader: StoredRowReader {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    mutating func next<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
        guard let cell = cells.next() else { throw StoreError.corruptRow("the database returned too few columns") }
        do {
            return try cell.decode(T.self, context: .default)
        } catch let error as PostgresDecodingError {
            throw StoreError.corruptRow("column \(error.columnName) holds \(error.postgresType), not \(T.self)")
        }
    }

    mutating func text() throws -> String { try next() }
    mutating func optionalText() throws -> String? { try next() }
    mutating func integer() throws -> Int64 { try next() }
    mutating func optionalInteger() throws -> Int64? { try next() }
    mutating func flag() throws -> Bool { try next() }
}

/// Column lists, shared by every query of a table: the storage module's, which the SQLite backend reads too.
enum Columns {
    static let location = LocationColumn.list
    static let token = TokenColumn.list
    static let contact = ContactColumn.list
    static let conversation = ConversationColumn.list
    static let message = MessageColumn.list
    static let app = OAuthAppColumn.list
    static let installation = OAuthInstallationColumn.list
    static let signingKey = SigningKeyColumn.list
}

/// Rows to domain values: `StoredRow`'s decoding over a PostgreSQL row.
enum Decode {
    static func location(_ row: PostgresRow) throws -> Location { try row.decoded(StoredRow.location) }

    static func token(_ row: PostgresRow) throws -> StoredToken { try row.decoded(StoredRow.token) }

    static func contact(_ row: PostgresRow) throws -> Contact { try row.decoded(StoredRow.contact) }

    static func conversation(_ row: PostgresRow) throws -> Conversation { try row.decoded(StoredRow.conversation) }

    static func app(_ row: PostgresRow) throws -> OAuthApp { try row.decoded(StoredRow.app) }

    static func installation(_ row: PostgresRow) throws -> OAuthInstallation? { try row.decoded(StoredRow.installation) }

    static func key(_ row: PostgresRow, seal: SigningKeySeal) throws -> SigningKey? {
        try row.decoded { try StoredRow.signingKey(&$0, seal: seal) }
    }

    static func message(_ row: PostgresRow) throws -> Message { try row.decoded(StoredRow.message) }
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
                    BoundText(text).encode(into: &buffer, context: context)
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

extension PostgresRow {
    /// The row read by one of `StoredRow`'s decoders.
    func decoded<Value>(_ decode: (inout RowReader) throws -> Value) throws -> Value {
        var reader = RowReader(self)
        return try decode(&reader)
    }
}
