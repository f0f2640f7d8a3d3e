import Crypto
public import Foundation
public import SwitchboardCore

/// How a store keeps the secrets of the keys access tokens are signed with.
///
/// Whoever can read those secrets can mint an access token for any location, so a store given a seal keeps them
/// encrypted (AES-256-GCM, bound to the key's id) under a key derived from a secret the database does not hold:
/// `SWITCHBOARD_SECRET_KEY`, or a key file beside a SQLite database. A copy of the database alone then grants
/// nothing. Keys stored before sealing was on are read as they are, until they are rotated out.
public struct SigningKeySeal: Sendable {
    private let key: SymmetricKey?

    /// Secrets stored as base64 text, readable by whoever reads the database.
    public static let plain = SigningKeySeal(key: nil)

    /// Stored secrets are sealed under a key derived from `secret`.
    public init(secret: some DataProtocol) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(secret)), salt: Array(Self.salt.utf8),
            outputByteCount: 32)
    }

    private init(key: SymmetricKey?) {
        self.key = key
    }

    public var seals: Bool { key != nil }

    private static let salt = "switchboard signing keys v1"
    /// What a sealed secret starts with; anything else is the plain base64 of older keys.
    private static let sealedPrefix = "sealed-v1:"

    /// The text the store keeps for `key`'s secret.
    public func storedSecret(of signingKey: SigningKey) throws -> String {
        guard let key else { return Data(signingKey.secret).base64EncodedString() }
        let box = try AES.GCM.seal(signingKey.secret, using: key, authenticating: Array(signingKey.id.utf8))
        guard let combined = box.combined else { throw StoreError.unavailable("the signing key could not be sealed") }
        return Self.sealedPrefix + combined.base64EncodedString()
    }

    /// The key a stored row describes; nil when the stored text is not a secret at all. A sealed secret that cannot
    /// be opened with this seal is an outage the operator must fix, reported as such.
    public func open(
        id: String, storedSecret: String, createdAt: Timestamp, retiredAt: Timestamp?
    ) throws -> SigningKey? {
        guard storedSecret.hasPrefix(Self.sealedPrefix) else {
            guard let data = Data(base64Encoded: storedSecret) else { return nil }
            return SigningKey(id: id, secret: Array(data), createdAt: createdAt, retiredAt: retiredAt)
        }
        guard let key else {
            throw StoreError.unavailable(
                "signing key \(id) is sealed, and no secret key was given to open it: set SWITCHBOARD_SECRET_KEY, or keep the database's key file beside it")
        }
        guard let combined = Data(base64Encoded: String(storedSecret.dropFirst(Self.sealedPrefix.count))),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let secret = try? AES.GCM.open(box, using: key, authenticating: Array(id.utf8))
        else {
            throw StoreError.unavailable(
                "signing key \(id) was sealed with another secret key: set SWITCHBOARD_SECRET_KEY (or the key file) to the one it was sealed with")
        }
        return SigningKey(id: id, secret: Array(secret), createdAt: createdAt, retiredAt: retiredAt)
    }
}
