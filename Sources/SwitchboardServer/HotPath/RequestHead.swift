/// The head of an HTTP/1.1 request as the hot path reads it, straight from a connection's bytes.
///
/// It reads only what the hot path needs and is strict about the rest: a head it does not fully understand
/// (a bare LF, a folded line, `Transfer-Encoding`, a doubtful `Content-Length`…) is `unusual`, and the connection
/// then hands every byte to NIO's parser for good, which answers it as it answers anything. So the two parsers never
/// disagree about where a request ends.
struct RequestHead: Equatable {
    var method: String
    var target: String
    var authorization: String?
    var version: String?
    var requestId: String?
    /// Body bytes that follow the head.
    var contentLength = 0
    /// Something only the full path handles: HTTP/1.0, `Connection`, `Expect`, `Upgrade`, a repeated header
    /// the hot path reads, a header value beyond ASCII.
    var needsFullPath = false

    enum Reading: Equatable {
        /// The head has not arrived whole yet.
        case incomplete
        /// A head of `size` bytes, up to and including its blank line.
        case head(RequestHead, size: Int)
        case unusual
    }

    /// The limits NIO's parser enforces on the full path (`ServerConfiguration`): a head beyond them is `unusual`,
    /// so NIO refuses it exactly as it would have, and whether a request is accepted never depends on the hot path.
    static let longestLine = ServerConfiguration.maximumHeaderFieldSize
    static let mostFields = ServerConfiguration.maximumHeaderFieldCount

    /// Whether `bytes` may now hold a whole head (or one the parser must judge at once): a blank line, or a bare LF,
    /// among the bytes from `searchedUpTo` on (minus the three before, where a terminator may have begun).
    static func mayBeComplete(_ bytes: UnsafeRawBufferPointer, searchedUpTo: Int) -> Bool {
        var index = max(0, searchedUpTo - 3)
        while let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) {
            if newline == 0 || bytes[newline - 1] != UInt8(ascii: "\r") { return true }
            if newline >= 3, bytes[newline - 2] == UInt8(ascii: "\n"), bytes[newline - 3] == UInt8(ascii: "\r") {
                return true
            }
            index = newline + 1
        }
        return false
    }

    /// Reads the head at the start of `bytes`. Past `limit` bytes without a whole head, it is NIO's to refuse.
    static func read(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Reading {
        let cr = UInt8(ascii: "\r")
        var lineStart = 0
        var head: RequestHead?
        var lengthSeen = false
        var fields = 0
        while true {
            guard let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else {
                return bytes.count > limit ? .unusual : .incomplete
            }
            guard lineEnd > lineStart, bytes[lineEnd - 1] == cr, lineEnd - lineStart <= longestLine else {
                return .unusual
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<(lineEnd - 1)])
            lineStart = lineEnd + 1
            guard var current = head else {
                guard let requestLine = readRequestLine(line) else { return .unusual }
                head = requestLine
                continue
            }
            if line.isEmpty { return .head(current, size: lineStart) }
            fields += 1
            guard fields <= mostFields, readField(line, into: &current, lengthSeen: &lengthSeen) else { return .unusual }
            head = current
        }
    }

    /// `METHOD SP origin-form SP HTTP/1.x`.
    private static func readRequestLine(_ line: UnsafeRawBufferPointer) -> RequestHead? {
        guard let firstSpace = line.firstIndex(of: UInt8(ascii: " ")), firstSpace > 0,
            line[..<firstSpace].allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }),
            let secondSpace = line[(firstSpace + 1)...].firstIndex(of: UInt8(ascii: " "))
        else { return nil }
        let target = UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<secondSpace])
        let version = UnsafeRawBufferPointer(rebasing: line[(secondSpace + 1)...])
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let isHTTP11 = version.elementsEqual("HTTP/1.1".utf8)
        guard isHTTP11 || version.elementsEqual("HTTP/1.0".utf8) else { return nil }
        return RequestHead(
            method: String(decoding: line[..<firstSpace], as: UTF8.self), target: String(decoding: target, as: UTF8.self),
            needsFullPath: !isHTTP11)
    }

    /// `name: value`, with the fields the hot path reads kept. False for a line it cannot vouch for.
    private static func readField(
        _ line: UnsafeRawBufferPointer, into head: inout RequestHead, lengthSeen: inout Bool
    ) -> Bool {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            line[..<colon].allSatisfy(isTokenCharacter)
        else { return false }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd])
        // Control characters other than tab have no place in a field value.
        guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else { return false }

        func keep(_ field: inout String?) {
            if field != nil || value.contains(where: { $0 >= 0x80 }) {
                head.needsFullPath = true
            } else {
                field = String(decoding: value, as: UTF8.self)
            }
        }
        switch name.count {
        case 7 where equalsIgnoringCase(name, "version"): keep(&head.version)
        case 13 where equalsIgnoringCase(name, "authorization"): keep(&head.authorization)
        case 12 where equalsIgnoringCase(name, "x-request-id"): keep(&head.requestId)
        case 14 where equalsIgnoringCase(name, "content-length"):
            guard !lengthSeen, (1...9).contains(value.count), value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return false
            }
            lengthSeen = true
            head.contentLength = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        case 17 where equalsIgnoringCase(name, "transfer-encoding"): return false
        case 10 where equalsIgnoringCase(name, "connection"): head.needsFullPath = true
        case 6 where equalsIgnoringCase(name, "expect"): head.needsFullPath = true
        case 7 where equalsIgnoringCase(name, "upgrade"): head.needsFullPath = true
        default: break
        }
        return true
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// `name` is ASCII; `lowercase` is the lowercase field name.
    private static func equalsIgnoringCase(_ name: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard name.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for index in 0..<name.count {
            var byte = name[index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if byte != expected[index] { return false }
        }
        return true
    }
}
