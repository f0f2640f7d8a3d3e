import Crypto
import Foundation
public import SwitchboardCore

/// Makes OAuth credentials in HighLevel's shapes. Secrets are shown once; the store keeps their SHA-256 hashes.
public enum OAuthCredentials {
    /// HighLevel's lifetimes (CONTRACT.md §6.2): access tokens a day (`expires_in` 86399), refresh tokens a year.
    public static let accessTokenLifetimeSeconds: Int64 = 86_399
    public static let refreshTokenLifetimeMilliseconds: Int64 = 365 * 86_400_000
    /// Authorization codes are for one exchange soon after the install.
    public static let authorizationCodeLifetimeMilliseconds: Int64 = 10 * 60_000

    /// A new app: its client id and secret (shown once), and the record to store.
    public static func app(name: String, scopes: Set<Scope>, at time: Timestamp) -> (secret: String, record: OAuthApp) {
        let clientId = randomHex(bytes: 12) + "-" + randomLowercase(count: 8)
        let secret = UUID().uuidString.lowercased()
        return (secret, OAuthApp(clientId: clientId, name: name, secretHash: TokenHash(token: secret), scopes: scopes, createdAt: time))
    }

    /// A refresh token (64 hex digits) or an authorization code (40, as HighLevel's look) and its record.
    public static func grant(
        _ kind: OAuthGrant.Kind, installation: OAuthInstallation, at time: Timestamp
    ) -> (token: String, record: OAuthGrant) {
        let token = randomHex(bytes: kind == .refreshToken ? 32 : 20)
        let lifetime = kind == .refreshToken ? refreshTokenLifetimeMilliseconds : authorizationCodeLifetimeMilliseconds
        let record = OAuthGrant(
            kind: kind, hash: TokenHash(token: token), installationId: installation.id, clientId: installation.clientId,
            createdAt: time, expiresAt: Timestamp(rawValue: time.rawValue + lifetime))
        return (token, record)
    }

    /// A new refresh token to store in place of a spent grant.
    public static func replacementRefreshToken(at time: Timestamp) -> (token: String, replacement: OAuthGrantReplacement) {
        let token = randomHex(bytes: 32)
        return (token, OAuthGrantReplacement(
            hash: TokenHash(token: token), expiresAt: Timestamp(rawValue: time.rawValue + refreshTokenLifetimeMilliseconds)))
    }

    /// A new 256-bit HMAC key with a random key id.
    public static func signingKey(at time: Timestamp) -> SigningKey {
        let key = SymmetricKey(size: .bits256)
        let secret = key.withUnsafeBytes { Array($0) }
        return SigningKey(id: "key_" + randomHex(bytes: 8), secret: secret, createdAt: time)
    }

    public static func installationId() -> String { "ins_" + randomHex(bytes: 10) }

    public static func userId() -> String { HighLevelID.make() }

    private static func randomHex(bytes count: Int) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(count * 2)
        for _ in 0..<count {
            let byte = UInt8.random(in: .min ... .max)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }

    private static func randomLowercase(count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }
}
