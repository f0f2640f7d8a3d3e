import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// A JSON request body checked the way HighLevel's validator checks it: every violation is collected, and all of
/// them are reported together as one 422 (CONTRACT.md §7). Unknown fields are ignored.
struct RequestBody {
    private let object: [String: JSONValue]
    private(set) var violations: [String] = []

    /// Reads the body (bounded by the context's upload limit). Malformed JSON is a 400; a body that is not
    /// `application/json` is read as empty, as HighLevel's JSON parser does, so required fields are reported missing.
    static func read(_ request: Request, context: AppRequestContext) async throws -> RequestBody {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") || contentType.contains("+json") else {
            return RequestBody(object: [:])
        }
        if buffer.readableBytes == 0 { return RequestBody(object: [:]) }
        let parsed: JSONValue
        do {
            parsed = try JSONDecoder().decode(JSONValue.self, from: buffer)
        } catch {
            throw SwitchboardError.badRequest("Unexpected token in JSON: the request body is not valid JSON")
        }
        guard case .object(let object) = parsed else {
            throw SwitchboardError.badRequest("The request body must be a JSON object")
        }
        return RequestBody(object: object)
    }

    init(object: [String: JSONValue]) {
        self.object = object
    }

    /// Throws the collected violations, if any.
    func validate() throws(ValidationFailure) {
        if !violations.isEmpty { throw ValidationFailure(messages: violations) }
    }

    private func value(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    mutating func string(_ key: String, required: Bool = false, maxLength: Int = 65_536) -> String? {
        guard let value = value(key) else {
            if required { violations.append("\(key) should not be empty") }
            return nil
        }
        guard case .string(let text) = value else {
            violations.append("\(key) must be a string")
            return nil
        }
        if required && text.isEmpty {
            violations.append("\(key) should not be empty")
            return nil
        }
        if text.utf8.count > maxLength {
            violations.append("\(key) must be shorter than or equal to \(maxLength) characters")
            return nil
        }
        return text
    }

    /// An email address (`local@domain`, at most 320 bytes); an empty string is taken as given.
    mutating func email(_ key: String, required: Bool = false) -> String? {
        guard let text = string(key, required: required, maxLength: 320) else { return nil }
        guard text.isEmpty || (text.contains("@") && !text.hasPrefix("@") && !text.hasSuffix("@")) else {
            violations.append("\(key) must be an email")
            return nil
        }
        return text
    }

    /// A string from a closed set; the message lists the allowed values as HighLevel's validator does.
    mutating func oneOf<T>(_ key: String, _ values: KeyValuePairs<String, T>, required: Bool = false) -> T? {
        let allowed = values.map(\.key).joined(separator: ", ")
        guard let value = value(key) else {
            if required { violations.append("\(key) must be one of the following values: \(allowed)") }
            return nil
        }
        guard case .string(let raw) = value, let match = values.first(where: { $0.key == raw }) else {
            violations.append("\(key) must be one of the following values: \(allowed)")
            return nil
        }
        return match.value
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            violations.append("\(key) must be a boolean value")
            return nil
        }
        return flag
    }

    /// A flag HighLevel documents as a string holding a boolean (`isTyping`): `true`, `false`, `"true"` or `"false"`.
    mutating func flag(_ key: String, required: Bool) -> Bool? {
        guard let value = value(key) else {
            if required { violations.append("\(key) must be a boolean value") }
            return nil
        }
        switch value {
        case .bool(let flag): return flag
        case .string("true"): return true
        case .string("false"): return false
        default:
            violations.append("\(key) must be a boolean value")
            return nil
        }
    }

    mutating func integer(_ key: String, minimum: Int? = nil, maximum: Int? = nil) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 9e15 else {
            violations.append("\(key) must be a number conforming to the specified constraints")
            return nil
        }
        let integer = Int(number)
        if let minimum, integer < minimum {
            violations.append("\(key) must not be less than \(minimum)")
            return nil
        }
        if let maximum, integer > maximum {
            violations.append("\(key) must not be greater than \(maximum)")
            return nil
        }
        return integer
    }

    /// A number from `range` (a fraction allowed); `rangeText` says the range in the violation.
    mutating func number(_ key: String, in range: ClosedRange<Double>, rangeText: String) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, range.contains(number) else {
            violations.append("\(key) must be a number from \(rangeText)")
            return nil
        }
        return number
    }

    mutating func stringArray(_ key: String, maxCount: Int = 100) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let array) = value else {
            violations.append("\(key) must be an array")
            return nil
        }
        var strings: [String] = []
        for element in array {
            guard case .string(let text) = element else {
                violations.append("each value in \(key) must be a string")
                return nil
            }
            strings.append(text)
        }
        guard strings.count <= maxCount else {
            violations.append("\(key) must contain no more than \(maxCount) elements")
            return nil
        }
        return strings
    }

    /// An ISO-8601 date-time string.
    mutating func date(_ key: String) -> Timestamp? {
        guard let text = string(key) else { return nil }
        guard let timestamp = Timestamp(iso8601: text), timestamp >= .earliest, timestamp <= .latest else {
            violations.append("\(key) must be a valid ISO 8601 date string")
            return nil
        }
        return timestamp
    }

    /// A nested object; its violations are reported with the field prefixed (`call.status`) by `absorb`.
    mutating func object(_ key: String) -> RequestBody? {
        guard let value = value(key) else { return nil }
        guard case .object(let nested) = value else {
            violations.append("\(key) must be an object")
            return nil
        }
        return RequestBody(object: nested)
    }

    /// An array of objects; each element's violations are reported with the field and index prefixed
    /// (`recipients.0.status`) by `absorb`.
    mutating func objectArray(_ key: String, maxCount: Int = 100) -> [RequestBody]? {
        guard let value = value(key) else { return nil }
        guard case .array(let array) = value else {
            violations.append("\(key) must be an array")
            return nil
        }
        guard array.count <= maxCount else {
            violations.append("\(key) must contain no more than \(maxCount) elements")
            return nil
        }
        var objects: [RequestBody] = []
        for element in array {
            guard case .object(let nested) = element else {
                violations.append("each value in \(key) must be an object")
                return nil
            }
            objects.append(RequestBody(object: nested))
        }
        return objects
    }

    mutating func rejectField(_ message: String) {
        violations.append(message)
    }

    mutating func absorb(_ nested: RequestBody, prefix: String) {
        violations += nested.violations.map { "\(prefix).\($0)" }
    }

    /// The raw JSON of an object or string value, for fields stored as they come (conversation feedback).
    mutating func rawJSON(_ key: String) -> String? {
        guard let value = value(key) else { return nil }
        switch value {
        case .object, .string: return value.jsonText
        default:
            violations.append("\(key) must be an object or a string")
            return nil
        }
    }
}
