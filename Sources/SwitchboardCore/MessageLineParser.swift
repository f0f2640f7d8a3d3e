/// Reads one message from the JSON the API serves, straight from bytes: the import path's parser.
///
/// It accepts exactly what `Message`'s `Decodable` conformance accepts and returns the same value; on anything it
/// does not know how to read it returns nil, and the caller falls back to `JSONDecoder`, which also gives the
/// precise error. Tests compare both on generated and hand-written lines.
public struct MessageLineParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    public static func parse(_ line: UnsafeBufferPointer<UInt8>) -> Message? {
        var parser = MessageLineParser(bytes: line)
        return parser.message()
    }

    public static func parse(_ line: [UInt8]) -> Message? {
        line.withUnsafeBufferPointer { parse($0) }
    }

    /// A whole JSON array of strings (how both stores keep attachments and email ids), read the same way; nil for
    /// anything else, or for what this parser leaves to `JSONDecoder` (a `\u` escape).
    public static func stringArray(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes in
            var parser = MessageLineParser(bytes: bytes)
            guard let values = parser.stringArray() else { return nil }
            parser.skipSpace()
            return parser.index == bytes.count ? values : nil
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private enum Meta {
        case none
        case present(call: CallDetails?, emailIds: [String]?)
    }

    private mutating func message() -> Message? {
        var id: String?, conversation: String?, location: String?, contact: String?
        var typeName: String?, typeCode: Int?
        var direction: MessageDirection?
        var status: String?, body: String?, contentType: String?, source: String?, userId: String?, altId: String?
        var provider: String?, widget: String?
        var added: Timestamp?, updated: Timestamp?
        var attachments: [String]?
        var call: CallDetails?
        var emailIds: [String]?
        guard expect(UInt8(ascii: "{")) else { return nil }
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            var seen = KeysSeen(KeysSeen.message)
            while true {
                skipSpace()
                guard let key = string(), expect(UInt8(ascii: ":")), seen.first(key) else { return nil }
                skipSpace()
                if peekNull() {
                    index += 4
                } else {
                    switch key {
                    case "id": guard let value = string() else { return nil }; id = value
                    case "conversationId": guard let value = string() else { return nil }; conversation = value
                    case "locationId": guard let value = string() else { return nil }; location = value
                    case "contactId": guard let value = string() else { return nil }; contact = value
                    case "messageType": guard let value = string() else { return nil }; typeName = value
                    case "type": guard let value = integer() else { return nil }; typeCode = value
                    case "direction":
                        guard let value = string(), let parsed = MessageDirection(rawValue: value) else { return nil }
                        direction = parsed
                    case "status": guard let value = string() else { return nil }; status = value
                    case "body": guard let value = string() else { return nil }; body = value
                    case "contentType": guard let value = string() else { return nil }; contentType = value
                    case "source": guard let value = string() else { return nil }; source = value
                    case "userId": guard let value = string() else { return nil }; userId = value
                    case "altId": guard let value = string() else { return nil }; altId = value
                    case "conversationProviderId": guard let value = string() else { return nil }; provider = value
                    case "chatWidgetId": guard let value = string() else { return nil }; widget = value
                    case "dateAdded": guard let value = date() else { return nil }; added = value
                    case "dateUpdated": guard let value = date() else { return nil }; updated = value
                    case "attachments": guard let value = stringArray() else { return nil }; attachments = value
                    case "meta":
                        guard case .present(let metaCall, let metaIds) = meta() else { return nil }
                        call = metaCall
                        emailIds = metaIds
                    default:
                        // Duplicate keys and unknown fields: leave them to the full decoder only if unreadable.
                        guard skipValue() else { return nil }
                    }
                }
                skipSpace()
                if expect(UInt8(ascii: ",")) { continue }
                guard expect(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        skipSpace()
        guard index == bytes.count else { return nil }
        let type: MessageType
        if let typeName {
            guard let known = MessageType(rawValue: typeName) else { return nil }
            type = known
        } else if let typeCode, let known = MessageType(code: typeCode) {
            type = known
        } else {
            return nil
        }
        guard let id, let conversation, let location, let contact, let added else { return nil }
        return Message(
            id: MessageID(rawValue: id), conversationId: ConversationID(rawValue: conversation),
            locationId: LocationID(rawValue: location), contactId: ContactID(rawValue: contact), messageType: type,
            direction: direction, status: status, body: body, contentType: contentType, dateAdded: added,
            dateUpdated: updated, source: source, userId: userId, altId: altId, attachments: attachments, call: call,
            emailMessageIds: emailIds, conversationProviderId: provider, chatWidgetId: widget)
    }

    /// `meta`: the real nested forms and the spec's flat call keys, as `Message.init(from:)` reads them.
    private mutating func meta() -> Meta {
        guard expect(UInt8(ascii: "{")) else { return .none }
        var nested = CallDetails()
        var flatDuration: Int?
        var flatStatus: String?
        var emailIds: [String]?
        skipSpace()
        if expect(UInt8(ascii: "}")) { return .present(call: nil, emailIds: nil) }
        var seen = KeysSeen(KeysSeen.meta)
        while true {
            skipSpace()
            guard let key = string(), expect(UInt8(ascii: ":")), seen.first(key) else { return .none }
            skipSpace()
            if peekNull() {
                index += 4
            } else {
                switch key {
                case "call":
                    guard expect(UInt8(ascii: "{")) else { return .none }
                    skipSpace()
                    if !expect(UInt8(ascii: "}")) {
                        var seenInCall = KeysSeen(KeysSeen.call)
                        while true {
                            skipSpace()
                            guard let inner = string(), expect(UInt8(ascii: ":")), seenInCall.first(inner) else {
                                return .none
                            }
                            skipSpace()
                            switch inner {
                            case "duration": guard let value = integer() else { return .none }; nested.duration = value
                            case "status": guard let value = string() else { return .none }; nested.status = value
                            default: guard skipValue() else { return .none }
                            }
                            skipSpace()
                            if expect(UInt8(ascii: ",")) { continue }
                            guard expect(UInt8(ascii: "}")) else { return .none }
                            break
                        }
                    }
                case "callDuration": guard let value = integer() else { return .none }; flatDuration = value
                case "callStatus": guard let value = string() else { return .none }; flatStatus = value
                case "email":
                    guard expect(UInt8(ascii: "{")) else { return .none }
                    skipSpace()
                    guard let inner = string(), inner == "messageIds", expect(UInt8(ascii: ":")) else { return .none }
                    skipSpace()
                    guard let ids = stringArray() else { return .none }
                    emailIds = ids
                    skipSpace()
                    guard expect(UInt8(ascii: "}")) else { return .none }
                default:
                    guard skipValue() else { return .none }
                }
            }
            skipSpace()
            if expect(UInt8(ascii: ",")) { continue }
            guard expect(UInt8(ascii: "}")) else { return .none }
            break
        }
        let duration = nested.duration ?? flatDuration
        let status = nested.status ?? flatStatus
        let call = duration == nil && status == nil ? nil : CallDetails(duration: duration, status: status)
        return .present(call: call, emailIds: emailIds)
    }

    /// The keys of one object that this parser reads, as far as the line has come. A key that comes twice sends the
    /// line to the full decoder, which alone decides what a repeated key means (the fuzzer found the two reading
    /// such lines differently). Other keys are skipped whatever their number. One bit per key: no allocation per line.
    private struct KeysSeen {
        static let message = [
            "id", "conversationId", "locationId", "contactId", "messageType", "type", "direction", "status", "body",
            "contentType", "source", "userId", "altId", "conversationProviderId", "chatWidgetId", "dateAdded",
            "dateUpdated", "attachments", "meta",
        ]
        static let meta = ["call", "callDuration", "callStatus", "email"]
        static let call = ["duration", "status"]

        let keys: [String]
        private var seen: UInt32 = 0

        init(_ keys: [String]) {
            self.keys = keys
        }

        mutating func first(_ key: String) -> Bool {
            guard let position = keys.firstIndex(of: key) else { return true }
            let bit: UInt32 = 1 << position
            defer { seen |= bit }
            return seen & bit == 0
        }
    }

    // MARK: Tokens

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func peekNull() -> Bool {
        index + 4 <= bytes.count && bytes[index] == UInt8(ascii: "n") && bytes[index + 1] == UInt8(ascii: "u")
            && bytes[index + 2] == UInt8(ascii: "l") && bytes[index + 3] == UInt8(ascii: "l")
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A string without escapes is copied in one go; escapes other than the simple ones send the line to the
    /// full decoder.
    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        var plain = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // Bytes that are not UTF-8 are not JSON: the full decoder refuses the line, and so does this one.
                return plain ? String(validating: raw, as: UTF8.self) : Self.unescape(raw)
            }
            if byte == UInt8(ascii: "\\") {
                plain = false
                index += 2
                continue
            }
            if byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var output = [UInt8]()
        output.reserveCapacity(raw.count)
        var position = 0
        while position < raw.count {
            let byte = raw[position]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                position += 1
                continue
            }
            guard position + 1 < raw.count else { return nil }
            let escaped = raw[position + 1]
            position += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            default: return nil  // \\u escapes: the full decoder handles surrogates
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    /// Integers only (what the API serves for `type` and durations).
    private mutating func integer() -> Int? {
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let start = index
        var value = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, index - start < 15 {
            value = value * 10 + Int(bytes[index] - 0x30)
            index += 1
        }
        // JSON has no leading zeros (`01`): such a line is the full decoder's to refuse.
        guard index > start, bytes[start] != UInt8(ascii: "0") || index - start == 1,
            index == bytes.count || !(bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e")
            || bytes[index] == UInt8(ascii: "E") || (bytes[index] >= 0x30 && bytes[index] <= 0x39))
        else { return nil }
        return negative ? -value : value
    }

    private mutating func date() -> Timestamp? {
        if let text = string() { return Timestamp(iso8601: text) }
        return integer().map { Timestamp(rawValue: Int64($0)) }
    }

    private mutating func stringArray() -> [String]? {
        guard expect(UInt8(ascii: "[")) else { return nil }
        var values: [String] = []
        skipSpace()
        if expect(UInt8(ascii: "]")) { return values }
        while true {
            skipSpace()
            guard let value = string() else { return nil }
            values.append(value)
            skipSpace()
            if expect(UInt8(ascii: ",")) { continue }
            guard expect(UInt8(ascii: "]")) else { return nil }
            return values
        }
    }

    /// Skips any JSON value; false if it is malformed.
    private mutating func skipValue() -> Bool {
        skipSpace()
        guard let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipSpace()
            if expect(close) { return true }
            while true {
                if byte == UInt8(ascii: "{") {
                    skipSpace()
                    guard string() != nil, expect(UInt8(ascii: ":")) else { return false }
                }
                guard skipValue() else { return false }
                skipSpace()
                if expect(UInt8(ascii: ",")) { continue }
                return expect(close)
            }
        default:
            let start = index
            while index < bytes.count, !",}] \t\r\n".utf8.contains(bytes[index]) { index += 1 }
            let token = UnsafeBufferPointer(rebasing: bytes[start..<index])
            return token.elementsEqual("true".utf8) || token.elementsEqual("false".utf8)
                || token.elementsEqual("null".utf8) || Self.isNumber(token)
        }
    }

    /// JSON's number grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, and nothing else (`Double("…")`
    /// also takes `inf`, `0x1p3`, `+5`, and stops at a NUL).
    private static func isNumber(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        var position = 0
        func digits() -> Int {
            let start = position
            while position < token.count, token[position] >= 0x30, token[position] <= 0x39 { position += 1 }
            return position - start
        }
        if position < token.count, token[position] == UInt8(ascii: "-") { position += 1 }
        guard position < token.count else { return false }
        if token[position] == UInt8(ascii: "0") { position += 1 } else if digits() == 0 { return false }
        if position < token.count, token[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return false }
        }
        if position < token.count, token[position] == UInt8(ascii: "e") || token[position] == UInt8(ascii: "E") {
            position += 1
            if position < token.count, token[position] == UInt8(ascii: "+") || token[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits() > 0 else { return false }
        }
        return position == token.count
    }
}
