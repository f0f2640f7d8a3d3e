/// Identifiers are distinct types so that a conversation id can never be passed where a message id is expected.
public protocol StringIdentifier: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, Comparable
where RawValue == String {
    init(rawValue: String)
}

extension StringIdentifier {
    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        // Byte order, never locale order: ties in a page are broken by id exactly like the database does.
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// A HighLevel-style id: 20 characters from [0-9A-Za-z].
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> Self {
        Self(rawValue: HighLevelID.make(using: &generator))
    }

    public static func generate() -> Self {
        Self(rawValue: HighLevelID.make())
    }

    /// Whether the raw value could be an id we issued or imported: 1 to 64 bytes of `[0-9A-Za-z_-]`.
    /// Anything else cannot exist in the store, so lookups can be skipped.
    public var isPlausible: Bool { HighLevelID.isPlausible(rawValue) }
}

public struct LocationID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct ConversationID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct MessageID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct ContactID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public struct UserID: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

public enum HighLevelID {
    /// Immortal bytes, read without a collection's access bookkeeping: ids are made on every write, from any thread.
    static let alphabet: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    public static let length = 20

    /// From the system's randomness. (Not `make(using:)` with a local `SystemRandomNumberGenerator`: an empty struct
    /// passed `inout` has no address of its own, and ThreadSanitizer takes every such access for one shared
    /// variable, reporting races that are not there.)
    public static func make() -> String {
        make(picking: { Int.random(in: 0..<$0) })
    }

    public static func make<G: RandomNumberGenerator>(using generator: inout G) -> String {
        make(picking: { Int(generator.next(upperBound: UInt64($0))) })
    }

    /// `length` characters of `alphabet`, each at the position `pick(alphabetSize)` chooses.
    private static func make(picking pick: (Int) -> Int) -> String {
        String(unsafeUninitializedCapacity: length) { id in
            for index in 0..<length { id[index] = alphabet.utf8Start[pick(alphabet.utf8CodeUnitCount)] }
            return length
        }
    }

    public static func isPlausible(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D
        }
    }
}

/// A small deterministic generator (SplitMix64) so that `--demo --seed N` and the benchmarks are reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
