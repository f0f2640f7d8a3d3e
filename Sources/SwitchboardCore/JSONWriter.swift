/// Writes JSON straight into bytes. The message page is the hottest response Switchboard serves, and this writer
/// produces it without Foundation's encoder, its intermediate `Data` and its per-call allocations.
/// Tests decode its output with `JSONDecoder` and compare it with the `Codable` encoding of the same values.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]
    private var needsComma = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":`; the value written next follows without a comma.
    public mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes `"key":` for a key known only at run time.
    public mutating func dynamicKey(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    public mutating func integer(_ value: Int) {
        separate()
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
        } else {
            var magnitude = value.magnitude
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { buffer in
                while magnitude > 0 {
                    buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                    count += 1
                }
                for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
            }
        }
        needsComma = true
    }

    /// A finite number in Swift's shortest round-tripping form (`1.5`, `2.0`, `1e-05`); anything else is `null`.
    public mutating func number(_ value: Double) {
        separate()
        bytes.append(contentsOf: Array((value.isFinite ? value.description : "null").utf8))
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        if value {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])  // false
        }
        needsComma = true
    }

    public mutating func timestamp(_ value: Timestamp) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        value.appendISO8601(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func stringArray(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// Ends one NDJSON line: the next value starts a new document.
    public mutating func newline() {
        bytes.append(0x0A)
        needsComma = false
    }

    /// Copies bytes that are already valid JSON (a value encoded elsewhere).
    public mutating func raw(_ json: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension Message {
    /// Writes this message exactly as the page and get-message endpoints serve it; field order follows HighLevel's.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.string(id.rawValue)
        if let direction { json.key("direction"); json.string(direction.rawValue) }
        if let status { json.key("status"); json.string(status) }
        json.key("type"); json.integer(typeCode)
        json.key("locationId"); json.string(locationId.rawValue)
        if let body { json.key("body"); json.string(body) }
        json.key("contactId"); json.string(contactId.rawValue)
        if let contentType { json.key("contentType"); json.string(contentType) }
        json.key("conversationId"); json.string(conversationId.rawValue)
        json.key("dateAdded"); json.timestamp(dateAdded)
        json.key("dateUpdated"); json.timestamp(dateUpdated)
        if let source { json.key("source"); json.string(source) }
        if let userId { json.key("userId"); json.string(userId) }
        if let altId { json.key("altId"); json.string(altId) }
        if let attachments { json.key("attachments"); json.stringArray(attachments) }
        if call != nil || emailMessageIds != nil {
            json.key("meta")
            json.beginObject()
            if let call {
                json.key("call")
                json.beginObject()
                if let duration = call.duration { json.key("duration"); json.integer(duration) }
                if let status = call.status { json.key("status"); json.string(status) }
                json.endObject()
                if let duration = call.duration { json.key("callDuration"); json.integer(duration) }
                if let status = call.status { json.key("callStatus"); json.string(status) }
            }
            if let emailMessageIds {
                json.key("email")
                json.beginObject()
                json.key("messageIds"); json.stringArray(emailMessageIds)
                json.endObject()
            }
            json.endObject()
        }
        json.key("messageType"); json.string(messageType.rawValue)
        if let conversationProviderId { json.key("conversationProviderId"); json.string(conversationProviderId) }
        if let chatWidgetId { json.key("chatWidgetId"); json.string(chatWidgetId) }
        json.endObject()
    }
}
