import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardStorage
import HTTPTypes
import NIOFoundationCompat
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// CONTRACT.md §2.2 and §6.4: Version → Authorization → token → scope → location, with HighLevel's words.
@Suite struct AccessTests {
    @Test(arguments: Backend.allCases)
    func missingVersionIsCheckedFirst(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let response = try await client.get("/conversations/\(conversation)/messages", headers: [:])
            #expect(response.status == .unauthorized)
            #expect(try response.errorBody() == HighLevelErrorBody(statusCode: 401, message: "version header was not found."))
        }
    }

    @Test(arguments: Backend.allCases, ["2020-01-01", "legacy", "V3", "2021-04-16", "", "v2", "2021-04-15,v3"])
    func unpublishedVersionIsRejected(_ backend: Backend, _ version: String) async throws {
        try await withApp(backend) { store, tenant, client in
            var headers = tenant.headers
            headers[.version] = version
            let response = try await client.get("/conversations/c1/messages", headers: headers)
            #expect(response.status == .unauthorized)
            #expect(try response.errorBody() == HighLevelErrorBody(statusCode: 401, message: "version header is invalid"))
        }
    }

    @Test(arguments: Backend.allCases, ["2021-04-15", "2021-07-28", "2023-02-21", "v3"])
    func everyPublishedVersionIsServed(_ backend: Backend, _ version: String) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            var headers = tenant.headers
            headers[.version] = version
            let response = try await client.get("/conversations/\(conversation)/messages", headers: headers)
            #expect(response.status == .ok)
            #expect(try response.page().messages.messages.count == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func versionHeaderNameIsCaseInsensitive(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            var headers: HTTPFields = [.authorization: "Bearer \(tenant.token)"]
            headers[try #require(HTTPField.Name("version"))] = "v3"
            let response = try await client.get("/conversations/\(conversation)/messages", headers: headers)
            #expect(response.status == .ok)
        }
    }

    @Test(arguments: Backend.allCases)
    func missingAuthorizationComesAfterVersion(_ backend: Backend) async throws {
        try await withApp(backend) { _, _, client in
            let response = try await client.get("/conversations/c1/messages", headers: [.version: "2021-04-15"])
            #expect(response.status == .unauthorized)
            #expect(
                try response.errorBody()
                    == HighLevelErrorBody(statusCode: 401, message: "No Authorization header found for authentication!"))
        }
    }

    @Test(
        arguments: Backend.allCases,
        ["Bearer not-a-token", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "Basic dXNlcjpwYXNz", "pit-123"])
    func credentialsThatAreNotTokensAreInvalidJWTs(_ backend: Backend, _ authorization: String) async throws {
        try await withApp(backend) { _, _, client in
            let response = try await client.get(
                "/conversations/c1/messages", headers: [.version: "2021-04-15", .authorization: authorization])
            #expect(response.status == .unauthorized)
            #expect(try response.errorBody() == HighLevelErrorBody(statusCode: 401, message: "Invalid JWT"))
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownPrivateIntegrationTokenIsRejected(_ backend: Backend) async throws {
        try await withApp(backend) { _, _, client in
            let response = try await client.get(
                "/conversations/c1/messages",
                headers: [.version: "2021-04-15", .authorization: "Bearer pit-00000000-0000-4000-8000-000000000000"])
            #expect(response.status == .unauthorized)
            #expect(
                try response.errorBody() == HighLevelErrorBody(statusCode: 401, message: "Invalid Private Integration token"))
        }
    }

    @Test(arguments: Backend.allCases)
    func bearerSchemeIsCaseInsensitive(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let response = try await client.get(
                "/conversations/\(conversation)/messages",
                headers: [.version: "2021-04-15", .authorization: "bearer \(tenant.token)"])
            #expect(response.status == .ok)
        }
    }

    @Test(arguments: Backend.allCases)
    func tokenWithoutTheReadScopeIsRejectedBeforeTheLocationCheck(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            // Write scopes do not imply read (CONTRACT.md §11 Q17).
            let token = try await store.makeToken(
                for: tenant.location, scopes: [.conversationsReadonly, .messagesWrite, .conversationsWrite])
            let other = try await store.makeTenant()
            let otherToken = try await store.makeToken(for: other.location, scopes: [.conversationsReadonly])
            for credential in [token, otherToken] {
                let response = try await client.get(
                    "/conversations/\(conversation)/messages",
                    headers: [.version: "2021-04-15", .authorization: "Bearer \(credential)"])
                #expect(response.status == .unauthorized)
                #expect(
                    try response.errorBody()
                        == HighLevelErrorBody(statusCode: 401, message: "The token is not authorized for this scope."))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func anotherLocationsConversationIsForbidden(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let other = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: other, count: 3)
            let response = try await client.get("/conversations/\(conversation)/messages", headers: tenant.headers)
            #expect(response.status == .forbidden)
            #expect(
                try response.errorBody()
                    == HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location."))
            // Also with a cursor from that conversation: nothing of it leaks.
            let withCursor = try await client.get(
                "/conversations/\(conversation)/messages?lastMessageId=whatever", headers: tenant.headers)
            #expect(withCursor.status == .forbidden)
        }
    }

    @Test(arguments: Backend.allCases)
    func revokedTokenStopsWorking(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let token = try await store.makeToken(for: tenant.location, scopes: [.messagesReadonly])
            let headers: HTTPFields = [.version: "2021-04-15", .authorization: "Bearer \(token)"]
            #expect(try await client.get("/conversations/\(conversation)/messages", headers: headers).status == .ok)
            #expect(try await store.revokeToken(idOrHash: TokenHash(token: token).rawValue, at: testEpoch, logger: .test))
            // The server remembers a token for at most a second.
            try await Task.sleep(for: .milliseconds(1100))
            let response = try await client.get("/conversations/\(conversation)/messages", headers: headers)
            #expect(response.status == .unauthorized)
            #expect(
                try response.errorBody() == HighLevelErrorBody(statusCode: 401, message: "Invalid Private Integration token"))
        }
    }
}
