import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// OAuth credentials can be taken back (issue 15, finding 5): uninstall, a new secret, app deletion, a replayed
/// refresh token, a revoked signing key. Each takes effect within two seconds on a running server.
@Suite struct OAuthRevocationTests {
    static let invalidJWT = HighLevelErrorBody(statusCode: 401, message: "Invalid JWT")
    static let invalidClient = OAuthErrorBody("invalid_client", "Invalid client: client is invalid")
    static let invalidRefresh = OAuthErrorBody("invalid_grant", "Invalid grant: refresh token is invalid")

    /// Past every cache a server keeps of installations and keys (one second each).
    static func outlastCaches() async throws { try await Task.sleep(for: .milliseconds(1_100)) }

    @Test(arguments: Backend.allCases)
    func uninstallingStopsTheRefreshTokenAtOnceAndAccessTokensWithinTwoSeconds(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let other = try await store.makeTenant()
            let elsewhere = try await store.install(app, on: .location(other.location))
            let grant = try await client.grant(app)
            let path = "/conversations/\(conversation)/messages"
            #expect(try await client.get(path, headers: grant.headers).status == .ok)

            try await OAuthSetup.uninstall(store, clientId: app.clientId, from: .location(tenant.location), logger: .test)
            let refreshed = try await client.refresh(app, token: grant.refreshToken)
            #expect(refreshed.status == .badRequest)
            #expect(try OAuthErrorBody(refreshed) == Self.invalidRefresh)
            try await Self.outlastCaches()
            let refused = try await client.get(path, headers: grant.headers)
            #expect(refused.status == .unauthorized)
            #expect(try refused.errorBody() == Self.invalidJWT)
            // The installation on the other location is untouched.
            _ = try await client.grant(elsewhere)
            // Uninstalling twice is an error that says so.
            await #expect {
                try await OAuthSetup.uninstall(store, clientId: app.clientId, from: .location(tenant.location), logger: .test)
            } throws: { error in
                "\(error)" == "app \(app.clientId) is not installed on \(tenant.location)"
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aRotatedSecretReplacesTheOldOneAtOnce(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location))
            let secret = try await OAuthSetup.rotateSecret(store, clientId: app.clientId, logger: .test)
            #expect(secret != app.secret)
            let old = try await client.refresh(app)
            #expect(old.status == .unauthorized)
            #expect(try OAuthErrorBody(old) == Self.invalidClient)
            let renewed = try await client.refresh(app, secret: secret)
            #expect(renewed.status == .ok, "\(renewed.text)")
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeletedAppsTokensStopWorking(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let grant = try await client.grant(app)
            try await OAuthSetup.deleteApp(store, clientId: app.clientId, logger: .test)
            #expect(try await store.app(clientId: app.clientId, logger: .test) == nil)
            let refreshed = try await client.refresh(app, token: grant.refreshToken)
            #expect(refreshed.status == .unauthorized)
            #expect(try OAuthErrorBody(refreshed) == Self.invalidClient)
            try await Self.outlastCaches()
            let refused = try await client.get("/conversations/\(conversation)/messages", headers: grant.headers)
            #expect(try refused.errorBody() == Self.invalidJWT)
        }
    }

    /// RFC 6819 §5.2.2.3: a refresh token presented after it was spent means the family may be stolen; every live
    /// refresh token of that installation is revoked with it.
    @Test(arguments: Backend.allCases)
    func replayingASpentRefreshTokenRevokesItsFamily(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location))
            let first = try await client.grant(app)  // spends app.refreshToken
            let replayed = try await client.refresh(app)  // the spent one again
            #expect(replayed.status == .badRequest)
            #expect(try OAuthErrorBody(replayed) == Self.invalidRefresh)
            let afterReplay = try await client.refresh(app, token: first.refreshToken)
            #expect(afterReplay.status == .badRequest, "the family's live token must be revoked too")
            #expect(try OAuthErrorBody(afterReplay) == Self.invalidRefresh)
            // A token never issued is just invalid and revokes nothing.
            let fresh = try await store.installApp(on: .location(tenant.location))
            #expect(try await client.refresh(fresh, token: String(repeating: "0", count: 64)).status == .badRequest)
            _ = try await client.grant(fresh)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRevokedKeysTokensStopWorkingWithinTwoSeconds(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let grant = try await client.grant(app)
            let path = "/conversations/\(conversation)/messages"
            #expect(try await client.get(path, headers: grant.headers).status == .ok)
            let kid = try #require(try JWTParts.json(try JWTParts(grant.accessToken).header)["kid"] as? String)

            let replacement = try await OAuthSetup.revokeSigningKey(store, id: kid, now: testEpoch, logger: .test)
            #expect(replacement != nil && replacement?.id != kid)
            try await Self.outlastCaches()
            let refused = try await client.get(path, headers: grant.headers)
            #expect(refused.status == .unauthorized)
            #expect(try refused.errorBody() == Self.invalidJWT)
            // New tokens are signed with the replacement and work.
            let renewed = try await client.grant(app, token: grant.refreshToken)
            #expect(try JWTParts.json(try JWTParts(renewed.accessToken).header)["kid"] as? String == replacement?.id)
            #expect(try await client.get(path, headers: renewed.headers).status == .ok)
            // The revoked key is gone from the list of keys; revoking it again says so.
            let keys = try await store.signingKeys(retiredAfter: Timestamp(rawValue: 0), logger: .test).map(\.id)
            #expect(!keys.contains(kid))
            await #expect {
                _ = try await OAuthSetup.revokeSigningKey(store, id: kid, now: testEpoch, logger: .test)
            } throws: { error in
                "\(error)" == "no signing key \(kid); `switchboard app keys` lists them"
            }
        }
    }
}
