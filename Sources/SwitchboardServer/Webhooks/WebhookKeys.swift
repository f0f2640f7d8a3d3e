import Crypto
import CryptoExtras
import Foundation
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// The server's webhook signing keys: an Ed25519 pair (`x-ghl-signature`) and an RSA pair (`x-wh-signature`,
/// HighLevel's legacy scheme), created on first use and kept in the store, private halves sealed like the OAuth keys.
/// Receivers verify with the public halves, which `switchboard webhook keys` prints as PEM: the form HighLevel's SDKs
/// read from `WEBHOOK_SIGNATURE_PUBLIC_KEY` and `WEBHOOK_PUBLIC_KEY`.
public struct WebhookKeys: Sendable {
    let ed25519: Curve25519.Signing.PrivateKey
    let rsa: _RSA.Signing.PrivateKey
    /// The ids of the keys in use.
    public let ids: [WebhookKeyAlgorithm: String]

    /// How long a retired key is still listed (receivers configured with it have this long to change).
    public static let gracePeriod: Int64 = 24 * 3_600_000

    /// The active keys, creating those missing.
    public static func active(in store: some WebhookStore, now: Timestamp, logger: Logger) async throws -> WebhookKeys {
        try await active(in: store, stored: store.webhookKeys(retiredAfter: now, logger: logger), now: now, logger: logger)
    }

    /// The active keys among `stored` (as `webhookKeys` lists them), creating those missing.
    static func active(
        in store: some WebhookStore, stored: [(algorithm: WebhookKeyAlgorithm, key: SigningKey)], now: Timestamp,
        logger: Logger
    ) async throws -> WebhookKeys {
        func key(_ algorithm: WebhookKeyAlgorithm) async throws -> SigningKey {
            if let active = activeKey(algorithm, in: stored) { return active }
            return try await store.activeWebhookKey(algorithm, orCreate: try await generate(algorithm, at: now), logger: logger)
        }
        return try await WebhookKeys(ed25519: key(.ed25519), rsa: key(.rsa))
    }

    static func activeKey(
        _ algorithm: WebhookKeyAlgorithm, in stored: [(algorithm: WebhookKeyAlgorithm, key: SigningKey)]
    ) -> SigningKey? {
        stored.last(where: { $0.algorithm == algorithm && $0.key.retiredAt == nil })?.key
    }

    /// Retires the active keys and makes new ones active; running servers sign with them within their refresh
    /// interval.
    public static func rotate(in store: some WebhookStore, now: Timestamp, logger: Logger) async throws {
        var next: [WebhookKeyAlgorithm: SigningKey] = [:]
        for algorithm in WebhookKeyAlgorithm.allCases { next[algorithm] = try await generate(algorithm, at: now) }
        try await store.rotateWebhookKeys(to: next, at: now, logger: logger)
    }

    init(ed25519: SigningKey, rsa: SigningKey) throws {
        do {
            self.ed25519 = try Curve25519.Signing.PrivateKey(rawRepresentation: ed25519.secret)
            self.rsa = try _RSA.Signing.PrivateKey(derRepresentation: rsa.secret)
        } catch {
            throw StoreError.corruptRow("a stored webhook signing key is not a key: \(error)")
        }
        ids = [.ed25519: ed25519.id, .rsa: rsa.id]
    }

    /// A new key, made on a thread of its own: an RSA key's prime search would otherwise hold one of the concurrency
    /// pool's few threads for as long as it takes (seconds on a loaded or instrumented build), and every request and
    /// delivery of the process would wait behind it.
    /// Cancellation does not wait for it: a server stopped while it makes its first keys stops at once (the thread
    /// finishes on its own, and its key is dropped).
    static func generate(_ algorithm: WebhookKeyAlgorithm, at time: Timestamp) async throws -> SigningKey {
        let waiting = Locked<CheckedContinuation<SigningKey, any Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting.withLock { $0 = continuation }
                LowPriorityThread.run {
                    let key = Result { try makeKey(algorithm, at: time) }
                    waiting.withLock { $0.take() }?.resume(with: key)
                }
                if Task.isCancelled { waiting.withLock { $0.take() }?.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            waiting.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
    }

    /// A new key. RSA keys are 2048 bits: what HighLevel's SDKs verify, generated in well under a second.
    private static func makeKey(_ algorithm: WebhookKeyAlgorithm, at time: Timestamp) throws -> SigningKey {
        let id = "\(algorithm.rawValue)-" + UUID().uuidString.lowercased()
        switch algorithm {
        case .ed25519:
            return SigningKey(id: id, secret: Array(Curve25519.Signing.PrivateKey().rawRepresentation), createdAt: time)
        case .rsa:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return SigningKey(id: id, secret: Array(key.derRepresentation), createdAt: time)
        }
    }

    /// The signature headers of a delivery of `body`: `x-ghl-signature` (Ed25519) and, unless left out,
    /// `x-wh-signature` (RSA PKCS#1 v1.5 over SHA-256), both base64, both over the exact bytes sent.
    func signatureHeaders(for body: [UInt8], rsa includeRSA: Bool) throws -> [(name: String, value: String)] {
        var headers = [(name: "x-ghl-signature", value: try ed25519.signature(for: body).base64EncodedString())]
        if includeRSA {
            let signature = try rsa.signature(for: body, padding: .insecurePKCS1v1_5)
            headers.append((name: "x-wh-signature", value: signature.rawRepresentation.base64EncodedString()))
        }
        return headers
    }

    /// A stored key's public half as PEM (SubjectPublicKeyInfo), or nil for a key that is not one.
    public static func publicPEM(of key: SigningKey, _ algorithm: WebhookKeyAlgorithm) -> String? {
        switch algorithm {
        case .ed25519: try? Curve25519.Signing.PrivateKey(rawRepresentation: key.secret).publicKey.pemRepresentation
        case .rsa: try? _RSA.Signing.PrivateKey(derRepresentation: key.secret).publicKey.pemRepresentation
        }
    }
}

/// The keys deliveries are signed with now; read again from the store every refresh, so a rotation by another
/// process (`webhook rotate-keys`) takes effect without a restart.
final class WebhookSigner: Sendable {
    private let keys = Locked<WebhookKeys?>(nil)
    private let schemaMigrated = Locked(false)
    let includesRSA: Bool

    init(includesRSA: Bool) {
        self.includesRSA = includesRSA
    }

    func refresh(from store: some WebhookStore, now: Timestamp, logger: Logger) async throws {
        let stored = try await store.webhookKeys(retiredAfter: now, logger: logger)
        // The keys are parsed again only when they changed (a rotation), not at every refresh.
        let current = keys.withLock { $0?.ids }
        if let current, WebhookKeyAlgorithm.allCases.allSatisfy({ current[$0] == WebhookKeys.activeKey($0, in: stored)?.id }) {
            return
        }
        let active = try await WebhookKeys.active(in: store, stored: stored, now: now, logger: logger)
        keys.withLock { $0 = active }
    }

    /// Called once the store's schema is migrated: the keys are read, and made on a first start, only after that,
    /// by the dispatcher beside the server rather than before it listens (an RSA key takes tens of milliseconds).
    func storeIsMigrated() {
        schemaMigrated.withLock { $0 = true }
    }

    var mayReadKeys: Bool { schemaMigrated.withLock { $0 } }

    /// Whether the keys have been read (deliveries wait until then).
    var isReady: Bool { keys.withLock { $0 != nil } }

    /// Returns once the keys have been read, or after `limit`.
    func waitForKeys(atMost limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !isReady, ContinuousClock.now < deadline, (try? await Task.sleep(for: .milliseconds(10))) != nil {}
    }

    /// The headers for `body`; nil until the keys have been read.
    func signatureHeaders(for body: [UInt8]) throws -> [(name: String, value: String)]? {
        guard let keys = keys.withLock({ $0 }) else { return nil }
        return try keys.signatureHeaders(for: body, rsa: includesRSA)
    }
}
