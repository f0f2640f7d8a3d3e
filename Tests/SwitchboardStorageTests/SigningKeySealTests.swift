import Foundation
import GRDB
import PostgresNIO
import SwitchboardCore
import SwitchboardPostgres
@testable import SwitchboardSQLite
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Issue 15: whoever reads the database must not find the secrets access tokens are signed with.
@Suite struct SigningKeySealTests {
    static let seal = SigningKeySeal(secret: Array(repeating: UInt8(7), count: 32))
    static let otherSeal = SigningKeySeal(secret: Array(repeating: UInt8(8), count: 32))

    /// Before: the secret column held the key's base64, so a copy of the database could mint tokens.
    @Test(arguments: Backend.allCases)
    func sealedSecretsAreNotStoredInTheClear(_ backend: Backend) async throws {
        try await Self.withSealedStore(backend) { store, storedSecrets in
            let active = try await store.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: testEpoch), logger: .test)
            let next = OAuthCredentials.signingKey(at: Timestamp(rawValue: testEpoch.rawValue + 1))
            try await store.rotateSigningKey(to: next, at: Timestamp(rawValue: testEpoch.rawValue + 1), logger: .test)
            let stored = try await storedSecrets()
            #expect(stored.count == 2)
            for (secret, key) in zip(stored, [active, next]) {
                #expect(secret.hasPrefix("sealed-v1:"))
                #expect(!secret.contains(Data(key.secret).base64EncodedString()))
            }
            let read = try await store.signingKeys(retiredAfter: testEpoch, logger: .test)
            #expect(read.map(\.secret) == [active.secret, next.secret])
        }
    }

    @Test func aSealedKeyOpensOnlyWithItsSecret() async throws {
        try await withTemporarySQLitePath { path in
            let sealed = try SQLiteConversationStore(path: path, keySeal: Self.seal)
            let key = try await sealed.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: testEpoch), logger: .test)
            let candidate = OAuthCredentials.signingKey(at: testEpoch)

            let wrong = try SQLiteConversationStore(path: path, keySeal: Self.otherSeal)
            await #expect(throws: StoreError.unavailable(
                "signing key \(key.id) was sealed with another secret key: set SWITCHBOARD_SECRET_KEY (or the key file) to the one it was sealed with")
            ) { _ = try await wrong.activeSigningKey(orCreate: candidate, logger: .test) }
            let none = try SQLiteConversationStore(path: path, keySeal: .plain)
            await #expect(throws: StoreError.unavailable(
                "signing key \(key.id) is sealed, and no secret key was given to open it: set SWITCHBOARD_SECRET_KEY, or keep the database's key file beside it")
            ) { _ = try await none.signingKeys(retiredAfter: testEpoch, logger: .test) }
            // The right seal still opens it, in another process's store as well.
            let again = try SQLiteConversationStore(path: path, keySeal: Self.seal)
            #expect(try await again.activeSigningKey(orCreate: candidate, logger: .test) == key)
        }
    }

    /// A database from before sealing keeps working: its plain key is read as it is until it is rotated out.
    @Test func aPlainKeyFromBeforeIsStillRead() async throws {
        try await withTemporarySQLitePath { path in
            let before = try SQLiteConversationStore(path: path, keySeal: .plain)
            let key = try await before.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: testEpoch), logger: .test)
            let after = try SQLiteConversationStore(path: path, keySeal: Self.seal)
            #expect(try await after.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: testEpoch), logger: .test) == key)
        }
    }

    static func withSealedStore(
        _ backend: Backend,
        _ body: @Sendable (any ConversationStore, @Sendable () async throws -> [String]) async throws -> Void
    ) async throws {
        switch backend {
        case .sqlite:
            try await withTemporarySQLitePath { path in
                let store = try SQLiteConversationStore(path: path, keySeal: seal)
                try await body(store) {
                    try await store.pool.read { db in
                        try String.fetchAll(db, sql: "SELECT secret FROM oauth_signing_keys ORDER BY created_at, id")
                    }
                }
            }
        case .postgres:
            try await withPostgresStore(keySeal: seal) { store in
                try await body(store) {
                    var secrets: [String] = []
                    let rows = try await store.client.query(
                        "SELECT secret FROM oauth_signing_keys ORDER BY created_at, id", logger: .test)
                    for try await secret in rows.decode(String.self) { secrets.append(secret) }
                    return secrets
                }
            }
        }
    }
}
