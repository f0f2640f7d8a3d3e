import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Every API route checks scopes the same way whichever kind of token calls it: a private integration token and
/// an OAuth access token with the same scopes get the same answer (CONTRACT.md §6.3, §6.4).
@Suite struct ScopeParityTests {
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var scope: Scope
        var body: String?
        var description: String { "\(method) \(path)" }
    }

    /// Every HighLevel route Switchboard serves (README's API table), with ids that do not exist and bodies that
    /// fail validation, so no request changes anything and both token kinds meet the same state.
    static let routes: [Route] = [
        Route(method: .get, path: "/conversations/c1/messages", scope: .messagesReadonly),
        Route(method: .get, path: "/conversations/messages/m1", scope: .messagesReadonly),
        Route(method: .get, path: "/conversations/messages/export?locationId=LOCATION", scope: .messagesReadonly),
        Route(method: .post, path: "/conversations/messages", scope: .messagesWrite, body: "{}"),
        Route(method: .post, path: "/conversations/messages/inbound", scope: .messagesWrite, body: "{}"),
        Route(method: .post, path: "/conversations/messages/outbound", scope: .messagesWrite, body: "{}"),
        Route(method: .post, path: "/conversations/messages/review-reply", scope: .messagesWrite, body: "{}"),
        Route(method: .post, path: "/conversations/providers/live-chat/typing", scope: .liveChatWrite, body: "{}"),
        Route(method: .put, path: "/conversations/messages/m1/status", scope: .messagesWrite, body: "{}"),
        Route(method: .delete, path: "/conversations/messages/m1/schedule", scope: .messagesWrite),
        Route(method: .post, path: "/conversations/", scope: .conversationsWrite, body: "{}"),
        Route(method: .get, path: "/conversations/c1", scope: .conversationsReadonly),
        Route(method: .put, path: "/conversations/c1", scope: .conversationsWrite, body: "{}"),
        Route(method: .delete, path: "/conversations/c1", scope: .conversationsWrite),
        Route(method: .get, path: "/conversations/search?locationId=LOCATION", scope: .conversationsReadonly),
        Route(method: .post, path: "/contacts/", scope: .contactsWrite, body: "{}"),
        Route(method: .post, path: "/contacts/upsert", scope: .contactsWrite, body: "{}"),
        Route(method: .get, path: "/contacts/x1", scope: .contactsReadonly),
    ]

    @Test(arguments: Backend.allCases)
    func bothTokenKindsMeetTheSameScopeRules(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            // For each scope: a PIT and an OAuth token with only that scope, and with every scope but that one.
            var only: [Scope: (pit: String, oauth: String)] = [:]
            var allBut: [Scope: (pit: String, oauth: String)] = [:]
            for scope in Scope.allCases {
                let rest = Set(Scope.allCases).subtracting([scope])
                only[scope] = (
                    try await store.makeToken(for: tenant.location, scopes: [scope]),
                    try await client.grant(try await store.installApp(on: .location(tenant.location), scopes: [scope])).accessToken)
                allBut[scope] = (
                    try await store.makeToken(for: tenant.location, scopes: rest),
                    try await client.grant(try await store.installApp(on: .location(tenant.location), scopes: rest)).accessToken)
            }
            for route in Self.routes {
                let (pitWithout, oauthWithout) = try #require(allBut[route.scope])
                for token in [pitWithout, oauthWithout] {
                    let response = try await send(route, token: token, location: tenant.location, client: client)
                    #expect(response.status == .unauthorized, "\(route)")
                    #expect(
                        try response.errorBody()
                            == HighLevelErrorBody(statusCode: 401, message: "The token is not authorized for this scope."),
                        "\(route)")
                }
                let (pitWith, oauthWith) = try #require(only[route.scope])
                let pit = try await send(route, token: pitWith, location: tenant.location, client: client)
                let oauth = try await send(route, token: oauthWith, location: tenant.location, client: client)
                #expect(pit.status != .unauthorized, "\(route): \(pit.text)")
                #expect(pit.status == oauth.status, "\(route)")
                #expect(try NSDictionary(dictionary: pit.json()) == NSDictionary(dictionary: oauth.json()), "\(route)")
            }
        }
    }

    private func send(_ route: Route, token: String, location: LocationID, client: some TestClientProtocol)
        async throws -> TestResponse
    {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .version: "2021-04-15"]
        if route.body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: route.path.replacingOccurrences(of: "LOCATION", with: location.rawValue), method: route.method,
            headers: headers, body: route.body.map { ByteBuffer(string: $0) })
    }
}
