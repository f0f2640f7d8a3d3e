public import Logging
public import SwitchboardCore

/// OAuth state: apps (client id and hashed secret), their installations on a location or a company, the grants that
/// lead to access tokens (refresh tokens and authorization codes, stored hashed), and the server's JWT signing keys.
/// Every backend implements it; `ConversationStore` includes it.
public protocol OAuthStore: Sendable {
    // MARK: Apps and installations

    /// Throws `StoreError.duplicate` when the client id is taken.
    func createApp(_ app: OAuthApp, logger: Logger) async throws
    func app(clientId: String, logger: Logger) async throws -> OAuthApp?
    func apps(logger: Logger) async throws -> [OAuthApp]
    /// Records an installation together with its first grant, in one transaction.
    func createInstallation(_ installation: OAuthInstallation, grant: OAuthGrant, logger: Logger) async throws

    // MARK: Grants

    /// Spends a grant and stores its replacement refresh token, in one transaction. The grant must be of `kind`,
    /// issued to `clientId`, unused and unexpired at `time`; of two concurrent redemptions of one grant, exactly one
    /// succeeds. A refused redemption changes nothing, so a valid grant is never used up by a refused request —
    /// except the reuse of a grant already spent, which spends every live grant of its installation (RFC 6819
    /// §5.2.2.3: a replayed refresh token means the family may be stolen).
    func redeemGrant(
        _ kind: OAuthGrant.Kind, hash: TokenHash, clientId: String, replacement: OAuthGrantReplacement,
        at time: Timestamp, logger: Logger
    ) async throws -> OAuthRedemption

    // MARK: Signing keys

    /// The active signing key; when there is none (a first start), `candidate` becomes it. Two processes racing
    /// here agree on one key.
    func activeSigningKey(orCreate candidate: SigningKey, logger: Logger) async throws -> SigningKey
    /// Retires the active key at `time` and makes `next` the active key, in one transaction.
    func rotateSigningKey(to next: SigningKey, at time: Timestamp, logger: Logger) async throws
    /// The active key and every key retired after `cutoff`: the keys whose tokens may not have expired yet.
    func signingKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws -> [SigningKey]
}

/// HighLevel's two kinds of OAuth principal: a sub-account (location) or an agency (company).
public enum OAuthUserType: String, Sendable, Hashable, CaseIterable, Codable {
    case location = "Location"
    case company = "Company"
}

/// A marketplace app: what `POST /oauth/token` authenticates with its client id and secret.
public struct OAuthApp: Sendable, Hashable {
    /// HighLevel's form: 24 hex digits, a dash, 8 lowercase letters or digits.
    public var clientId: String
    public var name: String
    public var secretHash: TokenHash
    /// What an installation of the app grants.
    public var scopes: Set<Scope>
    public var createdAt: Timestamp

    public init(clientId: String, name: String, secretHash: TokenHash, scopes: Set<Scope>, createdAt: Timestamp) {
        self.clientId = clientId
        self.name = name
        self.secretHash = secretHash
        self.scopes = scopes
        self.createdAt = createdAt
    }

    /// What HighLevel puts in the JWT's `oauthMeta.client`: the client id before its dash.
    public var appId: String { String(clientId.prefix { $0 != "-" }) }
}

/// An app installed on one location (`Location`) or on an agency (`Company`).
public struct OAuthInstallation: Sendable, Hashable {
    public var id: String
    public var clientId: String
    public var userType: OAuthUserType
    /// Set exactly for `Location` installations.
    public var locationId: LocationID?
    public var companyId: String?
    /// HighLevel names the user who installed the app; here an id generated at install time.
    public var userId: String
    public var scopes: Set<Scope>
    public var createdAt: Timestamp

    public init(
        id: String, clientId: String, userType: OAuthUserType, locationId: LocationID?, companyId: String?,
        userId: String, scopes: Set<Scope>, createdAt: Timestamp
    ) {
        self.id = id
        self.clientId = clientId
        self.userType = userType
        self.locationId = locationId
        self.companyId = companyId
        self.userId = userId
        self.scopes = scopes
        self.createdAt = createdAt
    }

    /// The JWT's `authClassId`: the location, or the company.
    public var authClassId: String { locationId?.rawValue ?? companyId ?? "" }
}

/// A refresh token or an authorization code as stored: only its hash.
public struct OAuthGrant: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case refreshToken = "refresh_token"
        case authorizationCode = "authorization_code"
    }

    public var kind: Kind
    public var hash: TokenHash
    public var installationId: String
    public var clientId: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp

    public init(
        kind: Kind, hash: TokenHash, installationId: String, clientId: String, createdAt: Timestamp,
        expiresAt: Timestamp
    ) {
        self.kind = kind
        self.hash = hash
        self.installationId = installationId
        self.clientId = clientId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// The refresh token a redemption stores in place of the grant it spends (for the same installation).
public struct OAuthGrantReplacement: Sendable, Hashable {
    public var hash: TokenHash
    public var expiresAt: Timestamp

    public init(hash: TokenHash, expiresAt: Timestamp) {
        self.hash = hash
        self.expiresAt = expiresAt
    }
}

public enum OAuthRedemption: Sendable, Hashable {
    case redeemed(OAuthInstallation)
    /// No such grant of that kind for that client, or it was used already.
    case invalid
    case expired
}

/// A key the server signs access tokens with (HMAC-SHA256), identified in each token's `kid` header.
public struct SigningKey: Sendable, Hashable {
    public var id: String
    public var secret: [UInt8]
    public var createdAt: Timestamp
    public var retiredAt: Timestamp?

    public init(id: String, secret: [UInt8], createdAt: Timestamp, retiredAt: Timestamp? = nil) {
        self.id = id
        self.secret = secret
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}

/// Taking OAuth credentials back (`switchboard app uninstall|rotate-secret|delete|revoke-key`), and what access-token
/// verification asks so that taking back works within seconds, though access tokens are self-contained JWTs.
public protocol OAuthRevocationStore: OAuthStore {
    /// Whether the app is installed on the location or company `authClassId`: an access token of an app that is no
    /// longer installed there stops working.
    func isInstalled(clientId: String, authClassId: String, logger: Logger) async throws -> Bool
    /// Removes the app's installation on the location or company `authClassId` and every grant of it; false when
    /// there was none.
    func uninstallApp(clientId: String, authClassId: String, logger: Logger) async throws -> Bool
    /// Replaces the app's secret (its hash); false when there is no such app.
    func replaceAppSecret(clientId: String, secretHash: TokenHash, logger: Logger) async throws -> Bool
    /// Deletes the app with its installations and grants; false when there is no such app.
    func deleteApp(clientId: String, logger: Logger) async throws -> Bool
    /// Makes a retired key verify nothing any more (as if it had retired an access token's lifetime ago). The active
    /// key is rotated away first by the caller; false when no retired key has this id.
    func revokeSigningKey(id: String, logger: Logger) async throws -> Bool
}
