import Foundation
import SwitchboardTestSupport
import Testing

/// The testing toolkit through the real binary (issue 18): `serve --test-clock` on an in-memory store prints its
/// admin token on a line of its own, and the control API answers it over a real socket.
@Suite struct ToolkitCLITests {
    static func adminToken(_ server: ServerProcess) throws -> String {
        let line = try #require(server.output.first { $0.hasPrefix("admin token: ") })
        return String(line.dropFirst("admin token: ".count))
    }

    @Test func serveTestClockPrintsAnAdminTokenAndTheControlAPIAnswersIt() async throws {
        let server = try ServerProcess(database: ":memory:", arguments: ["--test-clock"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let admin = try Self.adminToken(server)
        #expect(admin.hasPrefix("sbadmin_") && admin.count == 40)
        // Before the `listening on` line that scripts wait for.
        #expect(server.output.firstIndex { $0.hasPrefix("admin token: ") }! < server.output.count - 1)
        let headers = ["Authorization": "Bearer \(admin)"]

        let made = try await server.send(.POST, "/_switchboard/locations", headers: headers, json: #"{"locationId":"cli-tenant"}"#)
        #expect(made.status == 201)
        let token = try #require(
            (try JSONSerialization.jsonObject(with: Data(made.body.utf8)) as? [String: Any])?["token"] as? String)
        let api = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
        #expect(try await server.get("/conversations/search?locationId=cli-tenant", headers: api).status == 200)

        let moved = try await server.send(.POST, "/_switchboard/clock", headers: headers, json: #"{"set":"2030-01-01T00:00:00Z"}"#)
        #expect(moved.status == 200)
        #expect(moved.body.hasPrefix(#"{"now":"2030-01-01T00:00:0"#))
        let journal = try await server.get("/_switchboard/requests", headers: headers)
        #expect(journal.body.contains(#""path":"/conversations/search?locationId=cli-tenant","status":200,"locationId":"cli-tenant""#))
        let reset = try await server.send(.POST, "/_switchboard/reset?all=true", headers: headers)
        #expect(reset.status == 200)
        #expect(try await server.get("/conversations/search?locationId=cli-tenant", headers: api).status == 401)
        // A location token never opens the control API.
        #expect(try await server.send(.POST, "/_switchboard/reset", headers: ["Authorization": "Bearer \(token)"]).status == 401)
    }

    @Test func theAdminTokenCanBeFixedAndIsOffWithoutTheFlags() async throws {
        let fixed = "fixed-admin-token-0123456789"
        let server = try ServerProcess(
            database: ":memory:", arguments: ["--control"], environment: ["SWITCHBOARD_ADMIN_TOKEN": fixed])
        defer { server.stop() }
        try await server.waitUntilReady()
        #expect(try Self.adminToken(server) == fixed)
        let clock = try await server.get("/_switchboard/clock", headers: ["Authorization": "Bearer \(fixed)"])
        #expect(clock.status == 200)
        #expect(clock.body.contains(#""testClock":false"#))

        let plain = try ServerProcess(database: ":memory:")
        defer { plain.stop() }
        try await plain.waitUntilReady()
        #expect(!plain.output.contains { $0.hasPrefix("admin token: ") })
        #expect(try await plain.get("/_switchboard/clock", headers: ["Authorization": "Bearer \(fixed)"]).status == 404)

        let refused = try await runCLI(
            ["serve", "--control", "--database", ":memory:", "--port", "0"], environment: ["SWITCHBOARD_ADMIN_TOKEN": "short"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("SWITCHBOARD_ADMIN_TOKEN must be at least 16 printable ASCII characters, no spaces"))
    }
}
