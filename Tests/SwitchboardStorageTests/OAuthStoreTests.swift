import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// What every backend promises about OAuth state. Runs on SQLite and on PostgreSQL (whose OAuth code is new here),
/// whatever `Backend` lists.
@Suite struct OAuthStoreTests {
    enum Store: String, CaseIterable, Sendable, CustomStringConvertible {
        case sqlite, postgres
        var description: String { rawValue }
    }

    func with(_ backend: Store, _ body: @Sendable (any ConversationStore) async throws -> Void) async throws {
        switch backend {
        case .sqlite: try await withStore(.sqlite) { store in try await body(store) }
        case .postgres: try await withPostgresStore { store in try await body(store) }
        }
    }

    func install(_ store: any ConversationStore) async throws -> (OAuthApp, refreshToken: String) {
        let tenant = try await store.makeTenant()
        let (app, _) = try await OAuthSetup.createApp(store, name: "a", scopes: [.messagesReadonly], now: testEpoch, logger: .test)
        let (_, token) = try await OAuthSetup.install(
            store, clientId: app.clientId, on: .location(tenant.location), grant: .refreshToken, now: testEpoch, logger: .test)
        return (app, token)
    }

    func redeem(
        _ store: any ConversationStore, _ token: String, client: String, kind: OAuthGrant.Kind = .refreshToken,
        at time: Timestamp = testEpoch
    ) async throws -> (OAuthRedemption, next: String) {
        let (next, replacement) = OAuthCredentials.replacementRefreshToken(at: time)
        let outcome = try await store.redeemGrant(
            kind, hash: TokenHash(token: token), clientId: client, replacement: replacement, at: time, logger: .test)
        return (outcome, next)
    }

    @Test(arguments: Store.allCases)
    func refreshTokensRotate(_ backend: Store) async throws {
        try await with(backend) { store in
            let (app, token) = try await install(store)
            #expect(try await store.app(clientId: app.clientId, logger: .test) == app)
            #expect(try await store.apps(logger: .test) == [app])
            // Refused redemptions spend nothing: another client, another kind.
            #expect(try await redeem(store, token, client: "other").0 == .invalid)
            #expect(try await redeem(store, token, client: app.clientId, kind: .authorizationCode).0 == .invalid)
            let (first, next) = try await redeem(store, token, client: app.clientId)
            guard case .redeemed(let installation) = first else { Issue.record("not redeemed: \(first)"); return }
            #expect(installation.clientId == app.clientId)
            #expect(installation.userType == .location)
            #expect(installation.scopes == [.messagesReadonly])
            let (second, _) = try await redeem(store, next, client: app.clientId)
            guard case .redeemed = second else { Issue.record("the replacement was not redeemable"); return }
            // A spent token presented again is refused and revokes its family (RFC 6819 §5.2.2.3).
            #expect(try await redeem(store, token, client: app.clientId).0 == .invalid)
        }
    }

    @Test(arguments: Store.allCases)
    func expiredGrantIsReportedAndKept(_ backend: Store) async throws {
        try await with(backend) { store in
            let (app, token) = try await install(store)
            let late = Timestamp(rawValue: testEpoch.rawValue + OAuthCredentials.refreshTokenLifetimeMilliseconds)
            #expect(try await redeem(store, token, client: app.clientId, at: late).0 == .expired)
            #expect(try await redeem(store, token, client: app.clientId, at: late).0 == .expired)
            guard case .redeemed = try await redeem(store, token, client: app.clientId).0 else {
                Issue.record("an expired-at-a-later-time grant was spent"); return
            }
        }
    }

    @Test(arguments: Store.allCases)
    func concurrentRedemptionsHaveExactlyOneWinner(_ backend: Store) async throws {
        try await with(backend) { store in
            let (app, token) = try await install(store)
            let outcomes = try await withThrowingTaskGroup(of: OAuthRedemption.self) { group in
                for _ in 0..<8 { group.addTask { try await redeem(store, token, client: app.clientId).0 } }
                return try await group.reduce(into: [OAuthRedemption]()) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .redeemed = $0 { true } else { false } }.count == 1)
            #expect(outcomes.filter { $0 == .invalid }.count == 7)
        }
    }

    @Test(arguments: Store.allCases)
    func duplicateClientIdIsRefused(_ backend: Store) async throws {
        try await with(backend) { store in
            let (app, _) = try await install(store)
            await #expect(throws: StoreError.duplicate) { try await store.createApp(app, logger: .test) }
        }
    }

    @Test(arguments: Store.allCases)
    func oneActiveSigningKeyAndRotation(_ backend: Store) async throws {
        try await with(backend) { store in
            let candidates = (0..<6).map { _ in OAuthCredentials.signingKey(at: testEpoch) }
            let chosen = try await withThrowingTaskGroup(of: SigningKey.self) { group in
                for candidate in candidates { group.addTask { try await store.activeSigningKey(orCreate: candidate, logger: .test) } }
                return try await group.reduce(into: Set<SigningKey>()) { $0.insert($1) }
            }
            #expect(chosen.count == 1)
            let first = try #require(chosen.first)
            #expect(first.secret.count == 32)
            let later = Timestamp(rawValue: testEpoch.rawValue + 1000)
            let next = try await OAuthSetup.rotateSigningKey(store, now: later, logger: .test)
            #expect(try await store.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: later), logger: .test) == next)
            var retired = first
            retired.retiredAt = later
            #expect(try await store.signingKeys(retiredAfter: testEpoch, logger: .test) == [retired, next])
            #expect(try await store.signingKeys(retiredAfter: later, logger: .test) == [next])
        }
    }
}
