import NIOCore
import PostgresNIO

/// A string as the SQLite backend binds it: up to its first NUL.
///
/// GRDB hands SQLite a Swift string as a C string, so SQLite stores, finds and compares text only up to its first
/// NUL; PostgreSQL refuses NUL in text outright. Every string this store binds goes through here (the overloads
/// below take precedence over postgres-nio's generic ones), so that both backends store the same text and give the
/// same answers: `lastMessageId=%00` is an unknown cursor, not invalid input, and a name "a\u0000b" is stored as "a".
struct SQLiteText: PostgresNonThrowingEncodable, PostgresArrayEncodable {
    let value: Substring

    init(_ string: String) {
        value = string.utf8.firstIndex(of: 0).map { string[..<$0] } ?? string[...]
    }

    static var psqlType: PostgresDataType { .text }
    static var psqlFormat: PostgresFormat { .binary }
    static var psqlArrayType: PostgresDataType { .textArray }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        buffer.writeSubstring(value)
    }
}

extension PostgresQuery.StringInterpolation {
    mutating func appendInterpolation(_ value: String) { appendInterpolation(SQLiteText(value)) }
    mutating func appendInterpolation(_ value: String?) { appendInterpolation(value.map(SQLiteText.init)) }
    mutating func appendInterpolation(_ value: [String]) { appendInterpolation(value.map(SQLiteText.init)) }
}

extension PostgresBindings {
    mutating func append(_ value: String) { append(SQLiteText(value)) }
}
