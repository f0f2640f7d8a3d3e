import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardClient

/// Errors decoded from the real server's responses (CONTRACT.md §6.4, §7, §11).
@Suite("Errors from a live server")
struct ErrorLiveTests {
    @Test(arguments: Backend.allCases)
    func missingVersionHeaderIs401(_ backend: Backend) async throws {
        // The typed client always sends `Version`, so send the request raw and decode it the way the client does.
        try await withLiveServer(backend) { server in
            let headers: HTTPFields = [.authorization: "Bearer \(server.tenant.token)", .accept: "application/json"]
            let error = try await server.raw.execute(uri: "/conversations/c1/messages", method: .get, headers: headers) {
                response in
                HighLevelAPIError(
                    status: Int(response.status.code), body: Array(response.body.readableBytesView), headers: [:],
                    request: "GET /conversations/c1/messages", attempts: 1)
            }
            #expect(error.status == 401)
            #expect(error.messages == ["version header was not found."])
            #expect(error.body.withoutTraceId == HighLevelErrorBody(statusCode: 401, message: "version header was not found."))
            #expect(error.description.hasPrefix("HTTP 401 Unauthorized: version header was not found. (GET /conversations/c1/messages; trace "))
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownPrivateIntegrationTokenIs401(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let client = server.client(token: "pit-00000000-0000-4000-8000-000000000000")
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await client.messages(in: ConversationID(rawValue: "c1"))
            }
            #expect(error.status == 401)
            #expect(error.messages == ["Invalid Private Integration token"])
            #expect(error.errorText == nil)
            #expect(error.attempts == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func malformedTokenIsAnInvalidJWT(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client(token: "not-a-token").messages(in: ConversationID(rawValue: "c1"))
            }
            #expect(error.status == 401)
            #expect(error.message == "Invalid JWT")
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownConversationIs400(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client().messages(in: ConversationID(rawValue: "NoSuchConversation00"))
            }
            #expect(error.status == 400)
            #expect(error.messages == ["Conversation with id NoSuchConversation00 not found"])
            #expect(error.request == "GET /conversations/NoSuchConversation00/messages")
        }
    }

    @Test(arguments: Backend.allCases)
    func badLimitIs422WithEveryViolation(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 2)
            let conversation = try #require(expected.first?.conversationId)
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client().messages(in: conversation, limit: 0)
            }
            #expect(error.status == 422)
            #expect(error.messages == ["limit must not be less than 1"])
            #expect(error.errorText == "Unprocessable Entity")
            #expect(error.description.hasPrefix("HTTP 422 Unprocessable Entity: limit must not be less than 1 ("))
        }
    }

    @Test(arguments: Backend.allCases)
    func missingScopeIs401(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let token = try await server.store.makeToken(for: server.tenant.location, scopes: [.conversationsReadonly])
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client(token: token).messages(in: ConversationID(rawValue: "c1"))
            }
            #expect(error.status == 401)
            #expect(error.messages == ["The token is not authorized for this scope."])
        }
    }

    @Test(arguments: Backend.allCases)
    func anotherLocationsConversationIs403(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 1)
            let conversation = try #require(expected.first?.conversationId)
            let other = try await server.store.makeTenant(name: "Other")
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client(token: other.token).messages(in: conversation)
            }
            #expect(error.status == 403)
            #expect(error.messages == ["The token does not have access to this location."])
        }
    }
}
