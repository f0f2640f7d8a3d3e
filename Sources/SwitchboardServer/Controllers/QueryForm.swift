import SwitchboardCore

/// Query parameters validated like a request body: every violation collected, reported as one 422.
struct QueryForm {
    let parameters: QueryParameters
    private(set) var violations: [String] = []

    init(_ parameters: QueryParameters) {
        self.parameters = parameters
    }

    func validate() throws(ValidationFailure) {
        if !violations.isEmpty { throw ValidationFailure(messages: violations) }
    }

    mutating func reject(_ message: String) {
        violations.append(message)
    }

    private mutating func raw(_ name: String) -> Substring? {
        do {
            return try parameters.single(name)
        } catch {
            violations += error.messages
            return nil
        }
    }

    mutating func string(_ name: String, required: Bool = false) -> String? {
        guard let value = raw(name), !value.isEmpty else {
            if required { violations.append("\(name) should not be empty") }
            return nil
        }
        return String(value)
    }

    mutating func oneOf<T: RawRepresentable>(_ name: String, _ values: [T]) -> T? where T.RawValue == String {
        guard let value = raw(name), !value.isEmpty else { return nil }
        guard let match = values.first(where: { $0.rawValue == value }) else {
            violations.append(
                "\(name) must be one of the following values: \(values.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return match
    }

    mutating func oneOf(_ name: String, _ values: [String]) -> String? {
        guard let value = raw(name), !value.isEmpty else { return nil }
        guard values.contains(String(value)) else {
            violations.append("\(name) must be one of the following values: \(values.joined(separator: ", "))")
            return nil
        }
        return String(value)
    }

    /// Epoch milliseconds; for HighLevel's `startAfterDate`, which may also come as a list, the first value.
    mutating func milliseconds(_ name: String) -> Timestamp? {
        guard let value = raw(name), !value.isEmpty else { return nil }
        let first = value.split(separator: ",").first ?? value
        guard let milliseconds = Int64(first) else {
            violations.append("\(name) must be a number (epoch milliseconds)")
            return nil
        }
        return Timestamp(rawValue: milliseconds)
    }

    /// An ISO-8601 date-time or epoch milliseconds.
    mutating func date(_ name: String) -> Timestamp? {
        guard let value = raw(name), !value.isEmpty else { return nil }
        if let milliseconds = Int64(value) { return Timestamp(rawValue: milliseconds) }
        guard let timestamp = Timestamp(iso8601: value) else {
            violations.append("\(name) must be a valid ISO 8601 date string or epoch milliseconds")
            return nil
        }
        return timestamp
    }

    /// A page size: integers from `minimum`, larger values clamped to `maximum`.
    mutating func limit(_ name: String, default fallback: Int, minimum: Int = 1, maximum: Int) -> Int {
        guard let value = raw(name) else { return fallback }
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            violations.append(
                value.hasPrefix("-") ? "\(name) must not be less than \(minimum)" : "\(name) must be an integer number")
            return fallback
        }
        guard let number = Int(value) else { return maximum }
        guard number >= minimum else {
            violations.append("\(name) must not be less than \(minimum)")
            return fallback
        }
        return min(number, maximum)
    }
}
