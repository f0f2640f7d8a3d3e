import Foundation

/// Messages of a file, or of standard input (`-`), numbered from 1.
public struct LineSource: Sendable {
    let path: String

    public init(path: String) {
        self.path = path
    }

    public var isStandardInput: Bool { path == "-" }

    /// The size of a regular file; nil for standard input, a pipe or a device, whose end is not known ahead.
    public var size: Int? {
        guard !isStandardInput, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return (attributes[.size] as? NSNumber)?.intValue
    }

    /// Throws what `open` would for a file that cannot be read, without opening it (a command checks its input
    /// before it opens the store).
    public func checkReadable() throws {
        guard isStandardInput || FileManager.default.isReadableFile(atPath: path) else {
            throw MessageImporter.ImportError("cannot open \(path)")
        }
    }

    func open() throws -> RecordReader {
        if isStandardInput { return try RecordReader(handle: FileHandle.standardInput) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MessageImporter.ImportError("cannot open \(path)")
        }
        return try RecordReader(handle: handle)
    }
}

/// Splits an input into one message's JSON at a time, reading it in 1 MiB chunks and holding one record at most.
/// What the input is, it tells by its first bytes:
/// - `[` — a JSON array of messages: each item is a record;
/// - `{` whose first key is `messages` — a document of the API's (an export page `{"messages":[…],…}`, or a messages
///   page `{"messages":{…,"messages":[…]}}`): the items of the first array under a `messages` key are the records;
/// - anything else — NDJSON: each line is a record.
struct RecordReader {
    enum Shape: Equatable {
        case lines
        /// Items of the array whose `[` is the first at depth 0 (a bare array) or under a `messages` key.
        case items
    }

    let handle: FileHandle
    let shape: Shape
    /// How problems count records.
    var unit: String { shape == .lines ? "line" : "item" }

    /// The bytes read from the input so far.
    private(set) var bytesRead = 0
    private var buffer: [UInt8] = []
    private var start = 0
    private var number = 0
    private var exhausted = false
    private var scanner = ItemScanner()

    init(handle: FileHandle) throws {
        self.handle = handle
        // Enough of the start to see the first key of a document (leading blanks and a byte-order mark aside).
        var head: [UInt8] = []
        var ended = false
        while !ended, head.count < 4096 {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            ended = chunk.isEmpty
            head.append(contentsOf: chunk)
        }
        bytesRead = head.count
        buffer = head
        exhausted = ended
        shape = Self.shape(of: head)
    }

    static func shape(of head: [UInt8]) -> Shape {
        var index = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        func skipBlanks() { while index < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[index]) { index += 1 } }
        skipBlanks()
        guard index < head.count else { return .lines }
        if head[index] == UInt8(ascii: "[") { return .items }
        guard head[index] == UInt8(ascii: "{") else { return .lines }
        index += 1
        skipBlanks()
        let key = Array("\"messages\"".utf8)
        guard head.count - index >= key.count, Array(head[index..<(index + key.count)]) == key else { return .lines }
        index += key.count
        skipBlanks()
        return index < head.count && head[index] == UInt8(ascii: ":") ? .items : .lines
    }

    mutating func next() throws -> (Int, Data)? {
        switch shape {
        case .lines: try nextLine()
        case .items: try nextItem()
        }
    }

    /// Reads the next chunk, first dropping what no record needs any more (an item in progress is kept).
    private mutating func fill() throws {
        let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
        if chunk.isEmpty { exhausted = true }
        bytesRead += chunk.count
        let consumed = min(start, scanner.firstNeeded ?? start)
        buffer.removeFirst(consumed)
        scanner.shift(by: consumed)
        start -= consumed
        buffer.append(contentsOf: chunk)
    }

    private mutating func nextLine() throws -> (Int, Data)? {
        while true {
            let newline = buffer.withUnsafeBufferPointer { bytes -> Int? in
                guard start < bytes.count, let base = bytes.baseAddress,
                    let found = memchr(base + start, 0x0A, bytes.count - start)
                else { return nil }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            if let newline {
                let line = Data(buffer[start..<newline])
                start = newline + 1
                number += 1
                return (number, line)
            }
            if exhausted {
                guard start < buffer.count else { return nil }
                let line = Data(buffer[start...])
                start = buffer.count
                number += 1
                return (number, line)
            }
            try fill()
        }
    }

    private mutating func nextItem() throws -> (Int, Data)? {
        while true {
            switch scanner.scan(buffer, from: &start) {
            case .item(let range):
                number += 1
                return (number, Data(buffer[range]))
            case .end:
                return nil
            case .needMore:
                if exhausted {
                    // An array that never closed: what is left is one more record, which the parser will refuse.
                    guard let open = scanner.openItemStart, open < buffer.count else { return nil }
                    scanner.openItemStart = nil
                    number += 1
                    return (number, Data(buffer[open...]))
                }
                try fill()
            }
        }
    }
}

/// The state of a byte scan for the items of the records' array, kept across chunks: depth, strings (with their
/// escapes), the last key read, and where the item in progress began.
struct ItemScanner {
    enum Result { case item(Range<Int>), needMore, end }

    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The depth of the records' array's items, once its `[` is found.
    private var itemDepth: Int?
    /// The start of the string being read (keys are read to find `messages`) and the last string completed.
    private var stringStart: Int?
    private var lastString: [UInt8] = []
    private var afterColonKey: [UInt8]?
    var openItemStart: Int?
    private var finished = false

    /// The first byte a record or a key in progress still needs.
    var firstNeeded: Int? {
        switch (openItemStart, stringStart) {
        case (let item?, let string?): min(item, string)
        case (let item?, nil): item
        case (nil, let string?): string
        case (nil, nil): nil
        }
    }

    /// Indices move when the consumed head of the buffer is dropped.
    mutating func shift(by count: Int) {
        stringStart = stringStart.map { $0 - count }
        openItemStart = openItemStart.map { $0 - count }
    }

    mutating func scan(_ bytes: [UInt8], from position: inout Int) -> Result {
        if finished { return .end }
        while position < bytes.count {
            let byte = bytes[position]
            let index = position
            position += 1
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if let begin = stringStart, index - begin <= 64 { lastString = Array(bytes[begin..<index]) } else { lastString = [] }
                    stringStart = nil
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                stringStart = index + 1
                if itemDepth == depth, openItemStart == nil { openItemStart = index }
            case UInt8(ascii: ":"):
                afterColonKey = lastString
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if itemDepth == depth, openItemStart == nil { openItemStart = index }
                if itemDepth == nil, byte == UInt8(ascii: "["), depth == 0 || afterColonKey == Array("messages".utf8) {
                    itemDepth = depth + 1
                }
                afterColonKey = nil
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if let itemDepth, depth < itemDepth {
                    // The records' array closed: an item in progress ends here; nothing after it is read.
                    finished = true
                    if let open = openItemStart {
                        openItemStart = nil
                        return .item(open..<index)
                    }
                    return .end
                }
                if itemDepth == depth, let open = openItemStart {
                    openItemStart = nil
                    return .item(open..<(index + 1))
                }
            case UInt8(ascii: ","):
                afterColonKey = nil
                if itemDepth == depth, let open = openItemStart {
                    // A scalar item (not a message; the parser says so).
                    openItemStart = nil
                    return .item(open..<index)
                }
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            default:
                if itemDepth == depth, openItemStart == nil { openItemStart = index }
            }
        }
        return .needMore
    }
}
