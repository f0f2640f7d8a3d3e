import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// `POST /oauth/token` over HTTP: the refresh cycle, authorization codes, and every refusal (CONTRACT.md §6.2).
@Suite struct OAuthTokenEndpointTests {
    @Test(arguments: Backend.allCases)
    func fullRefreshCycle(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            let app = try await store.installApp(on: .location(tenant.location))
            let first = try await client.refresh(app)
            #expect(first.status == .ok)
            #expect(first.headers[.cacheControl] == "no-store")
            let grant = try TokenGrant(first)
            #expect(grant.body["token_type"] as? String == "Bearer")
            #expect(grant.body["expires_in"] as? Int == 86399)
            #expect(grant.body["userType"] as? String == "Location")
            #expect(grant.body["locationId"] as? String == tenant.location.rawValue)
            #expect((grant.body["userId"] as? String)?.isEmpty == false)
            #expect(grant.body["scope"] as? String == Scope.allCases.map(\.rawValue).sorted().joined(separator: " "))
            #expect(grant.refreshToken != app.refreshToken)

            // The new access token works on the API.
            let page = try await client.get("/conversations/\(conversation)/messages", headers: grant.headers)
            #expect(page.status == .ok)
            #expect(try page.page().messages.messages.count == 2)

            // The rotated one works once, and hands on another.
            let second = try await client.grant(app, token: grant.refreshToken)
            #expect(second.refreshToken != grant.refreshToken)
            #expect(try await client.get("/conversations/\(conversation)/messages", headers: second.headers).status == .ok)
            // Access tokens are not revoked by a refresh: the first one still works until it expires.
            #expect(try await client.get("/conversations/\(conversation)/messages", headers: grant.headers).status == .ok)

            // A spent refresh token is refused, and (RFC 6819 §5.2.2.3) revokes the live one of its family.
            let reused = try await client.refresh(app)
            #expect(reused.status == .badRequest)
            #expect(try OAuthErrorBody(reused) == OAuthErrorBody("invalid_grant", "Invalid grant: refresh token is invalid"))
            #expect(reused.headers[.cacheControl] == "no-store")
            let revoked = try await client.refresh(app, token: second.refreshToken)
            #expect(try OAuthErrorBody(revoked) == OAuthErrorBody("invalid_grant", "Invalid grant: refresh token is invalid"))
        }
    }

    @Test(arguments: Backend.allCases)
    func wrongSecretIsRefusedWithoutSpendingTheRefreshToken(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location))
            let other = try await store.installApp(on: .location(tenant.location))
            let wrongSecret = try await client.refresh(app, secret: other.secret)
            #expect(wrongSecret.status == .unauthorized)
            #expect(try OAuthErrorBody(wrongSecret) == OAuthErrorBody("invalid_client", "Invalid client: client is invalid"))
            // Another app's credentials with this app's refresh token: the token is not that app's.
            let otherClient = try await client.refresh(
                InstalledApp(clientId: other.clientId, secret: other.secret, refreshToken: app.refreshToken))
            #expect(try OAuthErrorBody(otherClient) == OAuthErrorBody("invalid_grant", "Invalid grant: refresh token is invalid"))
            let unknownClient = try await client.refresh(
                InstalledApp(clientId: "0123456789abcdef01234567-abcdefgh", secret: app.secret, refreshToken: app.refreshToken))
            #expect(unknownClient.status == .unauthorized)
            // None of that used the token up.
            _ = try await client.grant(app)
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownRefreshTokenIsAnInvalidGrant(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location))
            let response = try await client.refresh(app, token: String(repeating: "0", count: 64))
            #expect(response.status == .badRequest)
            #expect(try OAuthErrorBody(response) == OAuthErrorBody("invalid_grant", "Invalid grant: refresh token is invalid"))
        }
    }

    @Test(arguments: Backend.allCases)
    func authorizationCodeIsExchangedOnce(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location), grant: .authorizationCode)
            let exchange: [(String, String)] = [
                ("client_id", app.clientId), ("client_secret", app.secret), ("grant_type", "authorization_code"),
                ("code", app.refreshToken), ("user_type", "Location"), ("redirect_uri", "https://example.com/callback"),
            ]
            let first = try await client.oauthToken(exchange)
            #expect(first.status == .ok)
            let grant = try TokenGrant(first)
            #expect(try await client.get("/contacts/nope", headers: grant.headers).status != .unauthorized)
            let again = try await client.oauthToken(exchange)
            #expect(again.status == .badRequest)
            #expect(try OAuthErrorBody(again) == OAuthErrorBody("invalid_grant", "Invalid grant: authorization code is invalid"))
            // A code is not a refresh token, nor the other way round.
            let codeAsRefresh = try await client.refresh(app, token: app.refreshToken)
            #expect(try OAuthErrorBody(codeAsRefresh).error == "invalid_grant")
            let refreshAsCode = try await client.oauthToken(
                [("client_id", app.clientId), ("client_secret", app.secret), ("grant_type", "authorization_code"),
                 ("code", grant.refreshToken)])
            #expect(try OAuthErrorBody(refreshAsCode) == OAuthErrorBody("invalid_grant", "Invalid grant: authorization code is invalid"))
            // The code was presented again, so the refresh token issued for it is revoked (RFC 6749 §4.1.2).
            let revoked = try await client.refresh(app, token: grant.refreshToken)
            #expect(try OAuthErrorBody(revoked) == OAuthErrorBody("invalid_grant", "Invalid grant: refresh token is invalid"))
        }
    }

    @Test(arguments: Backend.allCases)
    func expiredGrantsAreRefusedAndKept(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let clock = AdjustableClock()
            let refresh = try await store.installApp(on: .location(tenant.location))
            let code = try await store.installApp(on: .location(tenant.location), grant: .authorizationCode)
            try await makeApplication(store: store) { $0.now = { clock.now() } }.test(.router) { client in
                clock.advance(seconds: 11 * 60)
                let codeResponse = try await client.oauthToken([
                    ("client_id", code.clientId), ("client_secret", code.secret), ("grant_type", "authorization_code"),
                    ("code", code.refreshToken),
                ])
                #expect(
                    try OAuthErrorBody(codeResponse) == OAuthErrorBody("invalid_grant", "Invalid grant: authorization code has expired"))
                clock.advance(seconds: 366 * 86_400)
                for _ in 0..<2 {
                    let response = try await client.refresh(refresh)
                    #expect(response.status == .badRequest)
                    #expect(try OAuthErrorBody(response) == OAuthErrorBody("invalid_grant", "Invalid grant: refresh token has expired"))
                }
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentUsesOfOneRefreshTokenHaveOneWinner(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location))
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 { group.addTask { try await client.refresh(app).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .badRequest }.count == 7)
        }
    }

    @Test(arguments: Backend.allCases)
    func malformedRequestsAreInvalidRequests(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let app = try await store.installApp(on: .location(tenant.location))
            let base: [(String, String)] = [
                ("client_id", app.clientId), ("client_secret", app.secret), ("grant_type", "refresh_token"),
                ("refresh_token", app.refreshToken),
            ]
            let cases: [([(String, String)], OAuthErrorBody)] = [
                (base.filter { $0.0 != "client_id" }, .init("invalid_request", "Invalid request: missing parameter: `client_id`")),
                (base.filter { $0.0 != "client_secret" }, .init("invalid_request", "Invalid request: missing parameter: `client_secret`")),
                (base.filter { $0.0 != "grant_type" }, .init("invalid_request", "Invalid request: missing parameter: `grant_type`")),
                (base.filter { $0.0 != "refresh_token" }, .init("invalid_request", "Invalid request: missing parameter: `refresh_token`")),
                (base.map { $0.0 == "grant_type" ? ($0.0, "client_credentials") : $0 },
                 .init("unsupported_grant_type", "Unsupported grant type: `grant_type` is invalid")),
                (base + [("user_type", "Agency")], .init("invalid_request", "Invalid request: invalid parameter: `user_type`")),
                (base + [("grant_type", "refresh_token")], .init("invalid_request", "Invalid request: parameter `grant_type` is given more than once")),
            ]
            for (fields, expected) in cases {
                let response = try await client.oauthToken(fields)
                #expect(response.status == .badRequest)
                #expect(try OAuthErrorBody(response) == expected)
            }
            let json = try await client.oauthToken(base, contentType: "application/json")
            #expect(try OAuthErrorBody(json) == .init("invalid_request", "Invalid request: content must be application/x-www-form-urlencoded"))
            // No Version header and no bearer token were needed, and the token still works: nothing was spent.
            _ = try await client.grant(app)
        }
    }

    @Test(arguments: Backend.allCases)
    func companyInstallationGetsCompanyTokens(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .company("agency1"))
            let grant = try await client.grant(app)
            #expect(grant.body["userType"] as? String == "Company")
            #expect(grant.body["companyId"] as? String == "agency1")
            #expect(grant.body["locationId"] == nil)
            let claims = try JWTParts.json(try JWTParts(grant.accessToken).payload)
            #expect(claims["authClass"] as? String == "Company")
            #expect(claims["authClassId"] as? String == "agency1")
            let response = try await client.get("/conversations/\(conversation)/messages", headers: grant.headers)
            #expect(response.status == .unauthorized)
            #expect(
                try response.errorBody()
                    == HighLevelErrorBody(
                        statusCode: 401,
                        message: "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added."))
        }
    }
}
