import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// OAuth access tokens on the API: HighLevel's claims, expiry on the server's clock, signatures, keys, rate limits.
@Suite struct AccessTokenTests {
    static let invalidJWT = HighLevelErrorBody(statusCode: 401, message: "Invalid JWT")

    @Test(arguments: Backend.allCases)
    func accessTokenCarriesHighLevelsClaims(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location), scopes: [.messagesReadonly, .contactsWrite])
            let grant = try await client.grant(app)
            let token = try JWTParts(grant.accessToken)
            let header = try JWTParts.json(token.header)
            #expect(header["alg"] as? String == "HS256")
            #expect((header["kid"] as? String)?.hasPrefix("key_") == true)
            let claims = try JWTParts.json(token.payload)
            #expect(claims["authClass"] as? String == "Location")
            #expect(claims["authClassId"] as? String == tenant.location.rawValue)
            #expect(claims["channel"] as? String == "OAUTH")
            let meta = try #require(claims["oauthMeta"] as? [String: Any])
            #expect(meta["scopes"] as? [String] == ["contacts.write", "conversations/message.readonly"])
            #expect(meta["client"] as? String == String(app.clientId.prefix(24)))
            let iat = try #require(claims["iat"] as? Int)
            #expect(claims["exp"] as? Int == iat + 86_399)
            #expect(Int64(iat) == testEpoch.rawValue / 1000)
        }
    }

    @Test(arguments: Backend.allCases)
    func expiredTokenIsAnInvalidJWT(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let clock = AdjustableClock()
            try await makeApplication(store: store) { $0.now = { clock.now() } }.test(.router) { client in
                let grant = try await client.grant(app)
                let path = "/conversations/\(conversation)/messages"
                clock.advance(seconds: 86_397)
                #expect(try await client.get(path, headers: grant.headers).status == .ok)
                clock.advance(seconds: 2)  // now at or past exp = iat + 86399
                let expired = try await client.get(path, headers: grant.headers)
                #expect(expired.status == .unauthorized)
                #expect(try expired.errorBody() == Self.invalidJWT)
                // The refresh token outlives it: an SDK's refresh-and-retry gets a working token.
                let renewed = try await client.grant(app, token: grant.refreshToken)
                #expect(try await client.get(path, headers: renewed.headers).status == .ok)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func tamperedTokensAreInvalidJWTs(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let other = try await store.makeTenant()
            let app = try await store.installApp(on: .location(tenant.location), scopes: [.contactsReadonly])
            let grant = try await client.grant(app)
            let original = try JWTParts(grant.accessToken)

            var signature = original
            var characters = Array(signature.signature)
            characters[10] = characters[10] == "A" ? "B" : "A"
            signature.signature = String(characters)

            // More scopes, another location, a later expiry: each with the original signature.
            var claims = try JWTParts.json(original.payload)
            claims["oauthMeta"] = ["scopes": Scope.allCases.map(\.rawValue), "client": app.clientId.prefix(24)]
            var scopes = original
            scopes.payload = try JWTParts.segment(claims)
            claims = try JWTParts.json(original.payload)
            claims["authClassId"] = other.location.rawValue
            var location = original
            location.payload = try JWTParts.segment(claims)
            claims = try JWTParts.json(original.payload)
            claims["exp"] = (claims["exp"] as? Int ?? 0) + 1_000_000
            var expiry = original
            expiry.payload = try JWTParts.segment(claims)

            var unsigned = original
            unsigned.header = try JWTParts.segment(["alg": "none", "typ": "JWT"])
            unsigned.signature = ""

            for token in [signature, scopes, location, expiry, unsigned] {
                let response = try await client.get(
                    "/conversations/\(conversation)/messages",
                    headers: [.authorization: "Bearer \(token.token)", .version: "2021-04-15"])
                #expect(response.status == .unauthorized)
                #expect(try response.errorBody() == Self.invalidJWT)
            }
        }
    }

    /// A token with our claims and our key id, signed with another key; and one from another server.
    @Test(arguments: Backend.allCases)
    func tokenSignedWithAnotherKeyIsAnInvalidJWT(_ backend: Backend) async throws {
        let foreign = try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let app = try await store.installApp(on: .location(tenant.location))
            return try await makeApplication(store: store).test(.router) { client in try await client.grant(app).accessToken }
        }
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let real = try await client.grant(app)
            let kid = try #require(try JWTParts.json(try JWTParts(real.accessToken).header)["kid"] as? String)
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: Array(repeating: UInt8(7), count: 32)), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            let now = testEpoch.rawValue / 1000
            let forged = try await keys.sign(
                ForgedClaims(
                    authClass: "Location", authClassId: tenant.location.rawValue,
                    oauthMeta: .init(scopes: Scope.allCases.map(\.rawValue), client: String(app.clientId.prefix(24))),
                    iat: now, exp: now + 86_399),
                kid: JWKIdentifier(string: kid))
            for token in [forged, foreign] {
                let response = try await client.get(
                    "/conversations/\(conversation)/messages",
                    headers: [.authorization: "Bearer \(token)", .version: "2021-04-15"])
                #expect(response.status == .unauthorized)
                #expect(try response.errorBody() == Self.invalidJWT)
            }
            // The real one is fine.
            #expect(try await client.get("/conversations/\(conversation)/messages", headers: real.headers).status == .ok)
        }
    }

    @Test(arguments: Backend.allCases)
    func rotationKeepsThePreviousKeyUntilItsTokensExpire(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let clock = AdjustableClock()
            try await makeApplication(store: store) { $0.now = { clock.now() } }.test(.router) { client in
                let path = "/conversations/\(conversation)/messages"
                let before = try await client.grant(app)
                // Rotated by another process (the CLI), while the server runs.
                let next = try await OAuthSetup.rotateSigningKey(store, now: clock.now(), logger: .test)
                let after = try await client.grant(app, token: before.refreshToken)
                #expect(try JWTParts.json(try JWTParts(after.accessToken).header)["kid"] as? String == next.id)
                #expect(try await client.get(path, headers: after.headers).status == .ok)
                #expect(try await client.get(path, headers: before.headers).status == .ok)
                clock.advance(seconds: 86_400)
                #expect(try await client.get(path, headers: before.headers).status == .unauthorized)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func anotherLocationsConversationIsForbiddenForOAuthTokensToo(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let other = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: other, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let response = try await client.get("/conversations/\(conversation)/messages", headers: try await client.grant(app).headers)
            #expect(response.status == .forbidden)
            #expect(
                try response.errorBody()
                    == HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location."))
        }
    }

    /// HighLevel counts per app and location (CONTRACT.md §8): every access token of an app shares one budget per
    /// location; another location, another app and a private integration token each have their own.
    @Test(arguments: Backend.allCases)
    func rateLimitsKeyOnClientAndLocation(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let second = try await store.makeTenant()
            let app = try await store.installApp(on: .location(tenant.location))
            let again = try await store.install(app, on: .location(tenant.location))
            let elsewhere = try await store.install(app, on: .location(second.location))
            let otherApp = try await store.installApp(on: .location(tenant.location))
            let limited = makeApplication(store: store) { $0.rateLimit = RateLimitPolicy(burst: 2, window: .seconds(600)) }
            try await limited.test(.router) { client in
                let (a, b) = (try await client.grant(app), try await client.grant(again))
                let path = "/contacts/none"
                #expect(try await client.get(path, headers: a.headers).status != .tooManyRequests)
                #expect(try await client.get(path, headers: b.headers).status != .tooManyRequests)
                let third = try await client.get(path, headers: a.headers)
                #expect(third.status == .tooManyRequests)
                #expect(third.headers[try #require(HTTPField.Name("Retry-After"))] != nil)
                for headers in [try await client.grant(elsewhere).headers, try await client.grant(otherApp).headers, tenant.headers] {
                    #expect(try await client.get(path, headers: headers).status != .tooManyRequests)
                }
            }
        }
    }
}

/// Claims shaped like ours, for forging.
struct ForgedClaims: JWTPayload {
    struct Meta: Codable { var scopes: [String]; var client: String }
    var authClass: String
    var authClassId: String
    var oauthMeta: Meta
    var iat: Int64
    var exp: Int64
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
