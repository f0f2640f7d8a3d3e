import JWTKit
import Logging
import SwitchboardStorage
import SwitchboardCore

/// Signs and verifies OAuth access tokens: HS256 JWTs with the store's signing keys, named by `kid`.
///
/// Tokens are signed with the store's active key, read afresh for every token, so a rotation by another process
/// (`switchboard app rotate-key`) takes effect at once. Verification uses the keys remembered here: the active key
/// and those retired less than an access token's lifetime ago. A token naming a key not remembered reloads the keys
/// (at most once a second), so a new key from another process is accepted too. The keys are reloaded at least every
/// `refreshInterval` (a second) while tokens are verified, and each token's app must still be installed where it
/// claims (checked at most once a second per app and location), so a revoked key or an uninstalled app stops
/// working within two seconds on every server.
final class AccessTokenAuthority: Sendable {
    private struct Keyring: Sendable {
        var keys: JWTKeyCollection
        var ids: Set<String>
        var loadedAt: ContinuousClock.Instant
    }

    private let store: any OAuthRevocationStore
    private let now: @Sendable () -> Timestamp
    private let keyring = Locked<Keyring?>(nil)
    /// Tokens already verified, by their text, with the key that signed them: a hit skips the signature check and
    /// the JSON decoding; `exp`, the key and the installation are still checked on every hit.
    private let verified = Locked(
        LRUDictionary<String, (claims: AccessTokenClaims, kid: String)>(maximumCount: 4096, maximumCost: 8 << 20))
    /// Whether an app is installed on a location or company, by `clientId|authClassId`, as of when it was read.
    private let installations = Locked(
        LRUDictionary<String, (installed: Bool, readAt: ContinuousClock.Instant)>(maximumCount: 10_000))
    private static let longestRemembered = 4096
    /// How long remembered keys are trusted before a reload, so retirements by other processes are seen.
    private let refreshInterval: Duration
    private let minimumReloadInterval: Duration

    init(
        store: any OAuthRevocationStore, now: @escaping @Sendable () -> Timestamp, refreshInterval: Duration = .seconds(1),
        minimumReloadInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.now = now
        self.refreshInterval = refreshInterval
        self.minimumReloadInterval = minimumReloadInterval
    }

    /// Creates the first signing key on an empty store. Runs before the server listens.
    ///
    /// A key's creation time is bookkeeping, so it is read off the wall clock: `now` is read only for requests
    /// (tests count its readings).
    func prepare(logger: Logger) async throws {
        _ = try await store.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: .now()), logger: logger)
    }

    /// The key to sign with: the store's active key, read afresh. A key new to this process (rotated elsewhere) is
    /// loaded for verification at once, so the token about to be signed with it works on its first request.
    func signingKey(logger: Logger) async throws -> SigningKey {
        let key = try await store.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: .now()), logger: logger)
        if keyring.withLock({ $0?.ids.contains(key.id) }) != true { _ = try await reload(logger: logger) }
        return key
    }

    /// A new access token for an installation, and its claims. No I/O: the key was read before the grant was spent.
    func issue(for installation: OAuthInstallation, with key: SigningKey) async throws -> (token: String, claims: AccessTokenClaims) {
        let claims = AccessTokenClaims(installation: installation, issuedAt: now().rawValue / 1000)
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: key.id))
        return (token, claims)
    }

    /// The verified claims of an access token. Anything wrong with it — not a JWT, an unknown key, a bad
    /// signature, malformed claims, `exp` passed on the server's clock — is HighLevel's 401 "Invalid JWT".
    func verify(_ credential: Substring, logger: Logger) async throws -> AccessTokenClaims {
        let text = String(credential)
        if let (claims, kid) = verified.withLock({ $0.value(forKey: text) }) {
            guard claims.exp > now().rawValue / 1000, try await keyring(knowing: kid, logger: logger)?.ids.contains(kid) == true
            else { throw SwitchboardError.invalidJWT }
            try await requireInstallation(claims, logger: logger)
            return claims
        }
        guard let header = JWTHeaderFields(token: credential), header.alg == "HS256", let kid = header.kid else {
            throw SwitchboardError.invalidJWT
        }
        let ring = try await keyring(knowing: kid, logger: logger)
        guard let ring, ring.ids.contains(kid) else { throw SwitchboardError.invalidJWT }
        let claims: AccessTokenClaims
        do {
            claims = try await ring.keys.verify(text, as: AccessTokenClaims.self)
        } catch {
            throw SwitchboardError.invalidJWT
        }
        // A token we signed never lives longer than an access token does, nor was it issued in the future: a
        // token that claims either was not made by this server's rules, whatever its signature.
        let seconds = now().rawValue / 1000
        guard claims.exp > seconds, claims.iat <= seconds,
            claims.exp - claims.iat <= OAuthCredentials.accessTokenLifetimeSeconds
        else { throw SwitchboardError.invalidJWT }
        try await requireInstallation(claims, logger: logger)
        if text.utf8.count <= Self.longestRemembered {
            verified.withLock { _ = $0.insert((claims, kid), forKey: text, cost: text.utf8.count + 512) }
        }
        return claims
    }

    /// The token's app must still be installed where the token says: an uninstalled app's tokens stop working.
    private func requireInstallation(_ claims: AccessTokenClaims, logger: Logger) async throws {
        guard let clientId = claims.sourceId, !claims.authClassId.isEmpty else { throw SwitchboardError.invalidJWT }
        let key = clientId + "|" + claims.authClassId
        let now = ContinuousClock.now
        if let known = installations.withLock({ $0.value(forKey: key) }), now - known.readAt < minimumReloadInterval {
            guard known.installed else { throw SwitchboardError.invalidJWT }
            return
        }
        let installed = try await store.isInstalled(clientId: clientId, authClassId: claims.authClassId, logger: logger)
        installations.withLock { _ = $0.insert((installed, now), forKey: key) }
        guard installed else { throw SwitchboardError.invalidJWT }
    }

    /// The remembered keys, reloaded when they are old or do not include `kid` (and were not just reloaded).
    private func keyring(knowing kid: String, logger: Logger) async throws -> Keyring? {
        let current = keyring.withLock { $0 }
        let age = current.map { ContinuousClock.now - $0.loadedAt }
        if let current, let age, current.ids.contains(kid), age < refreshInterval { return current }
        if let current, let age, age < minimumReloadInterval { return current }
        return try await reload(logger: logger)
    }

    private func reload(logger: Logger) async throws -> Keyring {
        let cutoff = Timestamp(rawValue: now().rawValue - OAuthCredentials.accessTokenLifetimeSeconds * 1000)
        let stored = try await store.signingKeys(retiredAfter: cutoff, logger: logger)
        let keys = JWTKeyCollection()
        for key in stored {
            await keys.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
        }
        let ring = Keyring(keys: keys, ids: Set(stored.map(\.id)), loadedAt: .now)
        keyring.withLock { $0 = ring }
        return ring
    }
}
