import JWTKit
import Logging
import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// Signs and verifies OAuth access tokens: HS256 JWTs with the store's signing keys, named by `kid`.
///
/// Tokens are signed with the store's active key, read afresh for every token, so a rotation by another process
/// (`switchboard app rotate-key`) takes effect at once. Verification uses the keys remembered here: the active key
/// and those retired less than an access token's lifetime ago. A token naming a key not remembered reloads the keys
/// (at most once a second), so a new key from another process is accepted too.
final class AccessTokenAuthority: Sendable {
    private struct Keyring: Sendable {
        var keys: JWTKeyCollection
        var ids: Set<String>
        var loadedAt: ContinuousClock.Instant
    }

    private let store: any OAuthStore
    private let now: @Sendable () -> Timestamp
    private let keyring = Mutex<Keyring?>(nil)
    /// Tokens already verified, by their text: a hit skips the signature check and the JSON decoding. Only `exp`
    /// can end a token's validity (a key leaves the keyring only after every token it signed has expired), and it is
    /// checked on every hit.
    private let verified = Mutex<[String: AccessTokenClaims]>([:])
    private let verifiedCapacity = 4096
    /// How long remembered keys are trusted before a reload, so retirements by other processes are seen.
    private let refreshInterval: Duration
    private let minimumReloadInterval: Duration

    init(
        store: any OAuthStore, now: @escaping @Sendable () -> Timestamp, refreshInterval: Duration = .seconds(60),
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
        if let claims = verified.withLock({ $0[text] }) {
            guard claims.exp > now().rawValue / 1000 else { throw SwitchboardError.invalidJWT }
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
        guard claims.exp > now().rawValue / 1000 else { throw SwitchboardError.invalidJWT }
        verified.withLock { verified in
            // Bounded: start over when full rather than track recency.
            if verified.count >= verifiedCapacity { verified.removeAll(keepingCapacity: true) }
            verified[text] = claims
        }
        return claims
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
