import Logging
import NIOCore
import PostgresNIO
import SwitchboardCore
import SwitchboardStorage

/// Message rows written with `COPY messages FROM STDIN` in PostgreSQL's text format: the server parses plain rows
/// instead of twenty bound arrays unnested into rows: `psql`'s COPY of 200,000 realistic rows went in at 45k rows/s,
/// the `INSERT … SELECT FROM unnest(…)` statements of 50,000 of them at 32k, keys, triggers and foreign key all in
/// place. A COPY is one statement: a key it breaks fails it whole, as the `INSERT` it replaces did, with the same
/// SQLSTATE.
enum PostgresMessageCopy {
    /// Fewer rows than this go as an `INSERT`: a COPY costs a round trip more, and a send writes one message.
    static let threshold = 64

    /// Writes the rows, in `MessageColumn` order, about a megabyte at a time.
    static func copy(_ messages: [Message], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.copyFrom(
            table: "messages", columns: MessageColumn.allCases.map(\.rawValue), format: .text(.init()), logger: logger
        ) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(Self.chunkBytes + 4_096)
            for message in messages {
                append(message, to: &buffer)
                if buffer.readableBytes >= Self.chunkBytes {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }

    private static let chunkBytes = 1 << 20

    /// One row: the fields in `MessageColumn` order, tab-separated, ending in a newline.
    static func append(_ message: Message, to buffer: inout ByteBuffer) {
        text(message.locationId.rawValue, &buffer)
        text(message.id.rawValue, &buffer)
        text(message.conversationId.rawValue, &buffer)
        text(message.contactId.rawValue, &buffer)
        number(Int64(message.messageType.code), &buffer)
        text(message.direction?.rawValue, &buffer)
        text(message.status, &buffer)
        text(message.body, &buffer)
        text(message.contentType, &buffer)
        number(message.dateAdded.rawValue, &buffer)
        number(message.dateUpdated.rawValue, &buffer)
        text(message.source, &buffer)
        text(message.userId, &buffer)
        text(message.altId, &buffer)
        text(message.attachments.map(StringListColumn.encode), &buffer)
        number(message.call?.duration.map(Int64.init), &buffer)
        text(message.call?.status, &buffer)
        text(message.emailMessageIds.map(StringListColumn.encode), &buffer)
        text(message.conversationProviderId, &buffer)
        text(message.chatWidgetId, &buffer, last: true)
    }

    private static func number(_ value: Int64?, _ buffer: inout ByteBuffer) {
        if let value { buffer.writeString(String(value)) } else { buffer.writeStaticString("\\N") }
        buffer.writeInteger(UInt8(ascii: "\t"))
    }

    /// NULL is `\N`; a backslash, tab, newline or carriage return in the text is escaped with a backslash, and every
    /// other byte is itself. Text stops at its first NUL, as bound text does (`StoredText`).
    private static func text(_ value: String?, _ buffer: inout ByteBuffer, last: Bool = false) {
        defer { buffer.writeInteger(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t")) }
        guard let value else {
            buffer.writeStaticString("\\N")
            return
        }
        let stored = StoredText.of(value)
        let plain = stored.utf8.allSatisfy { $0 != UInt8(ascii: "\\") && $0 >= 0x20 }
        if plain {
            buffer.writeSubstring(stored)
            return
        }
        for byte in stored.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
