public import SwitchboardCore

/// A value of a vocabulary HighLevel keeps growing (message types, directions, statuses): either one this client
/// knows, or the raw string of one it does not, so a value added later never breaks decoding.
public enum OpenEnum<Known: RawRepresentable & Sendable & Hashable>: Sendable, Hashable, CustomStringConvertible
where Known.RawValue == String {
    case known(Known)
    case unknown(String)

    public init(rawValue: String) {
        if let known = Known(rawValue: rawValue) {
            self = .known(known)
        } else {
            self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .known(let known): known.rawValue
        case .unknown(let raw): raw
        }
    }

    public var known: Known? {
        if case .known(let known) = self { return known }
        return nil
    }

    public var description: String { rawValue }
}

extension OpenEnum: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A `TYPE_*` message type, known or not.
public typealias MessageKind = OpenEnum<MessageType>
