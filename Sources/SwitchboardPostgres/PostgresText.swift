import NIOCore
import PostgresNIO
import SwitchboardCore

/// A string bound as every store keeps text (`StoredText`: up to its first NUL). Every string this store binds goes
/// through here (the overloads below take precedence over postgres-nio's generic ones), so that PostgreSQL, which
/// would refuse the NUL, stores and finds what SQLite does.
struct BoundText: PostgresNonThrowingEncodable, PostgresArrayEncodable {
    let value: Substring

    init(_ string: String) {
        value = StoredText.of(string)
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
    mutating func appendInterpolation(_ value: String) { appendInterpolation(BoundText(value)) }
    mutating func appendInterpolation(_ value: String?) { appendInterpolation(value.map(BoundText.init)) }
    mutating func appendInterpolation(_ value: [String]) { appendInterpolation(value.map(BoundText.init)) }
}

extension PostgresBindings {
    mutating func append(_ value: String) { append(BoundText(value)) }
}
