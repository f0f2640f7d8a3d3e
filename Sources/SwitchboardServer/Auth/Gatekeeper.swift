import Hummingbird
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardStorage

/// HighLevel's credential checks, in HighLevel's order (CONTRACT.md §6.4): `Version` → `Authorization` present →
/// credential valid. The scope check follows in the handler (`requirePrincipal(scope:)`), and the location check
/// last, once the handler knows the resource's location.
struct Gatekeeper<Store: ConversationStore>: Sendable {
    let store: Store
    let cache: TokenCache
    let accessTokens: AccessTokenAuthority

    func authenticate(_ request: Request, logger: Logger) async throws -> Principal {
        try Credentials.checkVersion(request.headers)
        let credential = try Credentials.bearer(request.headers)
        guard PrivateIntegrationToken.looksLikePIT(credential) else {
            // Anything else must be an OAuth access token: a JWT signed with one of our keys, then a Location one.
            return try await accessTokens.verify(credential, logger: logger).principal()
        }
        let hash = TokenHash(token: String(credential))
        let now = ContinuousClock.now
        let token: StoredToken?
        if let cached = cache.lookup(hash, now: now) {
            token = cached
        } else {
            token = try await store.activeToken(hash: hash, logger: logger)
            cache.remember(token, for: hash, at: now)
        }
        guard let token else { throw SwitchboardError.invalidPrivateIntegrationToken }
        return Principal(locationId: token.locationId, scopes: token.scopes, tokenId: token.id)
    }

}

/// Reading `Version` and `Authorization`, shared by the full path and the hot path.
enum Credentials {
    static func checkVersion(_ headers: HTTPFields) throws(SwitchboardError) {
        guard let version = headers[.version] else { throw .versionHeaderMissing }
        guard APIVersion(rawValue: version) != nil else { throw .versionHeaderInvalid }
    }

    /// The token of an `Authorization: Bearer <token>` header. The scheme is matched case-insensitively.
    static func bearer(_ headers: HTTPFields) throws(SwitchboardError) -> Substring {
        guard let value = headers[.authorization], !value.isEmpty else { throw .authorizationMissing }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .invalidJWT }
        let credential = parts[1].drop { $0 == " " }
        guard !credential.isEmpty else { throw .authorizationMissing }
        return credential
    }
}
