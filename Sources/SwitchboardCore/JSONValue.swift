/// Any JSON value, decoded strictly: a boolean is never a number and a number is never a string.
/// Request bodies are read into this so that validation can name every wrong field instead of failing on the first.
public enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Compact JSON text with sorted keys, for values stored as they come.
    public var jsonText: String {
        var json = JSONWriter(capacity: 64)
        write(to: &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    func write(to json: inout JSONWriter) {
        switch self {
        case .null: json.raw(Array("null".utf8))
        case .bool(let value): json.bool(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 9e15 {
                json.integer(Int(value))
            } else {
                json.raw(Array("\(value)".utf8))
            }
        case .string(let value): json.string(value)
        case .array(let values):
            json.beginArray()
            for value in values { value.write(to: &json) }
            json.endArray()
        case .object(let members):
            json.beginObject()
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                json.dynamicKey(key)
                value.write(to: &json)
            }
            json.endObject()
        }
    }
}
