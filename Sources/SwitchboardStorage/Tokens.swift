import Crypto
import Foundation
public import SwitchboardCore

/// SHA-256 of a token, hex-encoded: what the store keeps instead of the token itself.
public struct TokenHash: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(token: String) {
        self.init(utf8: Array(token.utf8))
    }

    public init(token: Substring) {
        self.init(utf8: Array(token.utf8))
    }

    private init(utf8: [UInt8]) {
        rawValue = SHA256.hash(data: utf8).hexEncoded
    }
}

/// A private integration token as stored: bound to one location and a set of scopes.
public struct StoredToken: Sendable, Hashable {
    public var id: String
    public var hash: TokenHash
    public var locationId: LocationID
    public var name: String
    public var scopes: Set<Scope>
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?

    public init(
        id: String, hash: TokenHash, locationId: LocationID, name: String, scopes: Set<Scope>,
        createdAt: Timestamp, revokedAt: Timestamp? = nil
    ) {
        self.id = id
        self.hash = hash
        self.locationId = locationId
        self.name = name
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Scopes as stored: space-separated, the way OAuth writes them.
    public var scopeList: String { Self.scopeList(scopes) }

    /// Scopes as the stores keep them (tokens, apps, installations): sorted, space-separated.
    public static func scopeList(_ scopes: Set<Scope>) -> String { scopes.map(\.rawValue).sorted().joined(separator: " ") }

    public static func scopes(fromList list: String) -> Set<Scope> {
        Set(list.split(separator: " ").compactMap { Scope(rawValue: String($0)) })
    }
}

/// Issues private integration tokens in HighLevel's form: `pit-` followed by a lowercase UUID.
public enum PrivateIntegrationToken {
    public static let prefix = "pit-"

    /// A new token (shown once) and the record to store for it.
    public static func issue(
        location: LocationID, scopes: Set<Scope>, name: String, at time: Timestamp
    ) -> (token: String, record: StoredToken) {
        let token = prefix + UUID().uuidString.lowercased()
        let record = StoredToken(
            id: "tok_" + HighLevelID.make(), hash: TokenHash(token: token), locationId: location,
            name: name, scopes: scopes, createdAt: time)
        return (token, record)
    }

    /// Whether a bearer credential has the PIT form (as opposed to a JWT or garbage).
    public static func looksLikePIT(_ credential: Substring) -> Bool {
        credential.hasPrefix(prefix)
    }
}
