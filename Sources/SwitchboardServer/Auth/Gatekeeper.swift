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
        return Principal(token)
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
        try bearer(headers[.authorization])
    }

    /// The same, from the header's value (the hot path reads it from the raw request).
    static func bearer(_ value: String?) throws(SwitchboardError) -> Substring {
        guard let value, !value.isEmpty else { throw .authorizationMissing }
        // Byte-wise: `split` on Characters was a visible cost on the hot path.
        let bytes = value.utf8
        let space = UInt8(ascii: " ")
        guard let schemeStart = bytes.firstIndex(where: { $0 != space }) else { throw .authorizationMissing }
        let schemeEnd = bytes[schemeStart...].firstIndex(of: space) ?? bytes.endIndex
        let scheme = bytes[schemeStart..<schemeEnd]
        guard schemeEnd < bytes.endIndex,
            scheme.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 })
        else { throw .invalidJWT }
        let credential = Substring(bytes[schemeEnd...].drop { $0 == space })
        guard !credential.isEmpty else { throw .authorizationMissing }
        return credential
    }
}
