import Foundation
import JWTKit
import SwitchboardCore
import SwitchboardStorage

/// The claims of a HighLevel OAuth access token (CONTRACT.md §6.2), as Switchboard signs them.
struct AccessTokenClaims: JWTPayload, Equatable {
    struct OAuthMeta: Codable, Sendable, Equatable {
        var scopes: [String]
        /// The app: its client id before the dash.
        var client: String
        var versionId: String?
    }

    /// "Location" or "Company".
    var authClass: String
    var authClassId: String
    var primaryAuthClassId: String?
    var source: String?
    var sourceId: String?
    var channel: String?
    var oauthMeta: OAuthMeta
    /// Seconds since the epoch, as integers.
    var iat: Int64
    var exp: Int64

    init(installation: OAuthInstallation, issuedAt seconds: Int64) {
        authClass = installation.userType.rawValue
        authClassId = installation.authClassId
        primaryAuthClassId = installation.authClassId
        source = "INTEGRATION"
        sourceId = installation.clientId
        channel = "OAUTH"
        let appId = String(installation.clientId.prefix { $0 != "-" })
        oauthMeta = OAuthMeta(scopes: installation.scopes.map(\.rawValue).sorted(), client: appId, versionId: appId)
        iat = seconds
        exp = seconds + OAuthCredentials.accessTokenLifetimeSeconds
    }

    /// `exp` is checked by `AccessTokenAuthority` against the server's clock, which tests replace; JWTKit's own
    /// claim checks would read the wall clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// The caller this token stands for on a location route. A Company token is refused there, before the scope
    /// check (CONTRACT.md §6.4).
    func principal() throws(SwitchboardError) -> Principal {
        guard authClass == OAuthUserType.location.rawValue else { throw .authClassNotAllowed }
        guard !authClassId.isEmpty else { throw .invalidJWT }
        // One budget per app and location, as HighLevel counts (CONTRACT.md §8).
        return Principal(
            locationId: LocationID(rawValue: authClassId), scopes: Set(oauthMeta.scopes.compactMap(Scope.init(rawValue:))),
            tokenId: "app:" + oauthMeta.client)
    }
}

/// The JOSE header fields read before verification, to pick the key.
struct JWTHeaderFields: Decodable {
    var alg: String?
    var kid: String?

    /// The header of a compact JWT, or nil when it is not one.
    init?(token: Substring) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Self.base64URLDecoded(parts[0]),
            let header = try? JSONDecoder().decode(JWTHeaderFields.self, from: data)
        else { return nil }
        self = header
    }

    private static func base64URLDecoded(_ text: Substring) -> Data? {
        guard text.count <= 1024 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
