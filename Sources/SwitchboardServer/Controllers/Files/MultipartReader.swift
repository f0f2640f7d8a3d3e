import Foundation
import NIOCore
import SwitchboardCore

/// Reads a `multipart/form-data` body (RFC 7578) part by part as it arrives, never holding more than one slice of
/// a part and a delimiter's length of lookahead: a file is handed on in slices, so an upload's memory does not grow
/// with its size. Every limit is checked as bytes arrive, so an oversized or malformed body is refused before the
/// rest of it is read.
struct MultipartReader<Source: AsyncIteratorProtocol> where Source.Element == ByteBuffer {
    /// A part's headers: its form field name and, for a file, the file name and declared type.
    struct PartHead: Equatable {
        var name: String
        var filename: String?
        var contentType: String?
    }

    typealias Failure = Multipart.Failure
    static var maximumHeadSize: Int { 8 << 10 }
    static var maximumPartCount: Int { Multipart.maximumPartCount }

    private var source: Source
    private var buffer = ByteBuffer()
    private var sourceEnded = false
    /// `CRLF--boundary`: what ends every part. The body is read as if it began with CRLF, so the first delimiter
    /// looks like the others.
    private let delimiter: [UInt8]
    private let maximumBodySize: Int
    private var bodySize = 0
    private var partCount = 0
    private var inPart = false
    private var finished = false

    init(source: Source, boundary: String, maximumBodySize: Int) {
        self.source = source
        delimiter = Array("\r\n--\(boundary)".utf8)
        self.maximumBodySize = maximumBodySize
        buffer.writeStaticString("\r\n")
    }

    /// The next part's headers, skipping whatever is left of the current part; nil after the closing delimiter.
    mutating func nextPart() async throws -> PartHead? {
        while inPart { _ = try await nextSlice(maximum: 64 << 10) }
        if finished { return nil }
        // At a delimiter: find it (skipping a preamble before the first), then `--` (the end) or CRLF (a part).
        while true {
            if let index = firstIndex(of: delimiter) {
                buffer.moveReaderIndex(forwardBy: index + delimiter.count)
                break
            }
            // Keep the bytes that might begin a delimiter.
            let keep = delimiter.count - 1
            if buffer.readableBytes > keep { buffer.moveReaderIndex(forwardBy: buffer.readableBytes - keep) }
            guard try await readMore() else { throw Failure.malformed("The multipart body ends before its first part") }
        }
        while buffer.readableBytes < 2 {
            guard try await readMore() else { throw Failure.malformed("The multipart body ends without its closing delimiter") }
        }
        let next = buffer.readBytes(length: 2) ?? []
        if next == Array("--".utf8) {
            finished = true
            return nil
        }
        guard next == Array("\r\n".utf8) else { throw Failure.malformed("A multipart delimiter is not followed by a line end") }
        partCount += 1
        guard partCount <= Self.maximumPartCount else { throw Failure.tooLarge }
        let head = try await readHead()
        inPart = true
        return head
    }

    /// The next bytes of the current part (at most `maximum`); nil at its end.
    mutating func nextSlice(maximum: Int) async throws -> ByteBuffer? {
        guard inPart else { return nil }
        while true {
            if let index = firstIndex(of: delimiter) {
                if index == 0 {
                    inPart = false
                    return nil
                }
                return buffer.readSlice(length: min(index, maximum))
            }
            // Everything but a delimiter's length of tail is part of this part.
            let safe = buffer.readableBytes - (delimiter.count - 1)
            if safe > 0 { return buffer.readSlice(length: min(safe, maximum)) }
            guard try await readMore() else { throw Failure.malformed("The multipart body ends inside a part") }
        }
    }

    /// The rest of the current part as text, refused when it is longer than `maximum` bytes.
    mutating func text(maximum: Int) async throws -> String? {
        var text = ByteBuffer()
        while let slice = try await nextSlice(maximum: maximum) {
            guard text.readableBytes + slice.readableBytes <= maximum else { return nil }
            var slice = slice
            text.writeBuffer(&slice)
        }
        return String(buffer: text)
    }

    private mutating func readHead() async throws -> PartHead {
        let end = Array("\r\n\r\n".utf8)
        var index = firstIndex(of: end)
        while index == nil {
            guard buffer.readableBytes <= Self.maximumHeadSize else { throw Failure.malformed("A part's headers are too long") }
            guard try await readMore() else { throw Failure.malformed("The multipart body ends inside a part's headers") }
            index = firstIndex(of: end)
        }
        guard let index, index <= Self.maximumHeadSize, let block = buffer.readString(length: index) else {
            throw Failure.malformed("A part's headers are too long")
        }
        buffer.moveReaderIndex(forwardBy: end.count)
        var name: String?
        var filename: String?
        var contentType: String?
        for line in block.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed("A part's header has no colon") }
            let field = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch field {
            case "content-disposition":
                let parameters = Self.dispositionParameters(value)
                name = parameters["name"]
                filename = parameters["filename"]
            case "content-type":
                contentType = value
            default:
                continue
            }
        }
        guard let name, !name.isEmpty else { throw Failure.malformed("A part has no name in its Content-Disposition") }
        return PartHead(name: name, filename: filename, contentType: contentType)
    }

    /// `form-data; name="a"; filename="b.png"` → `["name": "a", "filename": "b.png"]` (quotes and `\"` escapes read).
    static func dispositionParameters(_ value: String) -> [String: String] {
        var parameters: [String: String] = [:]
        var rest = Substring(value)
        guard let first = rest.firstIndex(of: ";"), rest[..<first].trimmingSpaces.lowercased() == "form-data"
        else { return [:] }
        rest = rest[rest.index(after: first)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingSpaces.lowercased()
            rest = rest[rest.index(after: equals)...]
            var parsed = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        parsed.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        parsed.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                parsed = rest[..<end].trimmingSpaces
                rest = rest[end...]
            }
            if parameters[key] == nil { parameters[key] = parsed }
        }
        return parameters
    }

    /// Appends the next piece of the body; false when it has ended.
    private mutating func readMore() async throws -> Bool {
        guard !sourceEnded else { return false }
        guard var piece = try await source.next() else {
            sourceEnded = true
            return false
        }
        bodySize += piece.readableBytes
        guard bodySize <= maximumBodySize else { throw Failure.tooLarge }
        // Drop what has been read before appending, so the buffer holds only unread bytes.
        buffer.discardReadBytes()
        buffer.writeBuffer(&piece)
        return true
    }

    /// Where `pattern` first starts among the unread bytes: `memchr` finds each candidate first byte and `memcmp`
    /// checks it, so a file's bytes are scanned at memory speed.
    private func firstIndex(of pattern: [UInt8]) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, let first = pattern.first, bytes.count >= pattern.count else { return nil }
            let last = bytes.count - pattern.count
            var start = 0
            return pattern.withUnsafeBytes { wanted -> Int? in
                guard let wanted = wanted.baseAddress else { return nil }
                while start <= last {
                    guard let found = memchr(base + start, Int32(first), last - start + 1) else { return nil }
                    let candidate = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(found, wanted, pattern.count) == 0 { return candidate }
                    start = candidate + 1
                }
                return nil
            }
        }
    }
}

/// What multipart readers share: why a body was refused, the part limit, and the boundary of a Content-Type.
enum Multipart {
    enum Failure: Error, Equatable {
        /// The body is not multipart as its Content-Type said (a message for the 400).
        case malformed(String)
        /// More parts, or more bytes in all, than any upload needs.
        case tooLarge
    }

    static let maximumPartCount = 100

    /// The boundary of a `multipart/form-data; boundary=…` Content-Type; nil for any other type. A boundary is
    /// 1 to 70 characters (RFC 2046), quoted or not.
    static func boundary(inContentType contentType: String?) -> String? {
        guard let contentType else { return nil }
        let parameters = contentType.split(separator: ";").map { $0.trimmingSpaces }
        guard parameters.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parameters.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingSpaces
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }
}

