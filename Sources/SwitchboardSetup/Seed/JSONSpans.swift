/// Where the members of a JSON object and the elements of a JSON array lie in a document, without decoding them:
/// a seed file's errors name the line of the object they are about, which a decoder cannot tell.
///
/// It checks only the structure it walks (brackets, strings, commas); each element is decoded afterwards on its own.
struct JSONSpans {
    let bytes: [UInt8]

    struct Failure: Error {
        var offset: Int
        var message: String
    }

    struct Member {
        var key: String
        var offset: Int
        var value: Range<Int>
    }

    /// The line (from 1) that holds `offset`.
    func line(at offset: Int) -> Int {
        var line = 1
        for byte in bytes[..<min(offset, bytes.count)] where byte == UInt8(ascii: "\n") { line += 1 }
        return line
    }

    /// The first byte that is not white space, from `offset`.
    func skipSpace(from offset: Int) -> Int {
        var index = offset
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    /// The members of the object that starts at `range.lowerBound`.
    func members(ofObject range: Range<Int>) throws(Failure) -> [Member] {
        var index = skipSpace(from: range.lowerBound)
        guard index < range.upperBound, bytes[index] == UInt8(ascii: "{") else {
            throw Failure(offset: index, message: "expected a JSON object")
        }
        index = skipSpace(from: index + 1)
        var members: [Member] = []
        if index < range.upperBound, bytes[index] == UInt8(ascii: "}") { return members }
        while true {
            let keyStart = index
            let keyEnd = try stringEnd(from: index)
            let key = keyText(keyStart..<keyEnd)
            index = skipSpace(from: keyEnd)
            guard index < range.upperBound, bytes[index] == UInt8(ascii: ":") else {
                throw Failure(offset: index, message: "expected ':' after \"\(key)\"")
            }
            let valueStart = skipSpace(from: index + 1)
            let valueEnd = try valueEnd(from: valueStart)
            members.append(Member(key: key, offset: keyStart, value: valueStart..<valueEnd))
            index = skipSpace(from: valueEnd)
            guard index < range.upperBound else { throw Failure(offset: index, message: "the object is not closed") }
            if bytes[index] == UInt8(ascii: "}") { return members }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw Failure(offset: index, message: "expected ',' or '}' after the value of \"\(key)\"")
            }
            index = skipSpace(from: index + 1)
        }
    }

    /// The byte ranges of the elements of the array in `range`.
    func elements(ofArray range: Range<Int>) throws(Failure) -> [Range<Int>] {
        var index = skipSpace(from: range.lowerBound)
        guard index < range.upperBound, bytes[index] == UInt8(ascii: "[") else {
            throw Failure(offset: index, message: "expected a JSON array")
        }
        index = skipSpace(from: index + 1)
        var elements: [Range<Int>] = []
        if index < range.upperBound, bytes[index] == UInt8(ascii: "]") { return elements }
        while true {
            let end = try valueEnd(from: index)
            elements.append(index..<end)
            index = skipSpace(from: end)
            guard index < range.upperBound else { throw Failure(offset: index, message: "the array is not closed") }
            if bytes[index] == UInt8(ascii: "]") { return elements }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw Failure(offset: index, message: "expected ',' or ']' between array elements")
            }
            index = skipSpace(from: index + 1)
        }
    }

    /// Just past the value that starts at `start`.
    func valueEnd(from start: Int) throws(Failure) -> Int {
        guard start < bytes.count else { throw Failure(offset: start, message: "expected a value") }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return try stringEnd(from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            // Brackets are counted outside strings; which bracket closes which is the decoder's to check.
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = try stringEnd(from: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            throw Failure(offset: start, message: "this value is not closed")
        default:
            var index = start
            while index < bytes.count, !Self.endsScalar(bytes[index]) { index += 1 }
            guard index > start else { throw Failure(offset: start, message: "expected a value") }
            return index
        }
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(byte)
    }

    private func stringEnd(from start: Int) throws(Failure) -> Int {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else {
            throw Failure(offset: start, message: "expected a string")
        }
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        throw Failure(offset: start, message: "this string is not closed")
    }

    /// A key's text; escapes are rare in keys, and a key with one is simply not a known field.
    private func keyText(_ range: Range<Int>) -> String {
        String(decoding: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)], as: UTF8.self)
    }
}
