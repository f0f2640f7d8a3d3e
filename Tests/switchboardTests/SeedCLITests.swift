import Foundation
import SwitchboardTestSupport
import Testing

/// Seed files through the real binary (issue 18): `serve --seed-file` serves them with their fixed tokens, a reset
/// goes back to them, a bad one stops the start with its line, and `export-seed` writes one a server serves the same.
@Suite struct SeedCLITests {
    static let fixture = """
        {
          "locations": [
            {"id": "seed-clinic", "name": "Seeded clinic", "tokens": [{"token": "pit-seed-clinic-0001"}]}
          ],
          "contacts": [
            {"id": "ct_ann", "locationId": "seed-clinic", "firstName": "Ann", "lastName": "Lee", "phone": "+15550100"}
          ],
          "conversations": [
            {"id": "cv_ann", "locationId": "seed-clinic", "contactId": "ct_ann", "unreadCount": 5, "starred": true}
          ],
          "messages": [
            {"id": "m_1", "conversationId": "cv_ann", "locationId": "seed-clinic", "contactId": "ct_ann", "messageType": "TYPE_SMS", "direction": "inbound", "body": "Hi", "dateAdded": "2026-01-01T10:00:00.000Z"},
            {"id": "m_2", "conversationId": "cv_ann", "locationId": "seed-clinic", "contactId": "ct_ann", "messageType": "TYPE_SMS", "direction": "outbound", "status": "delivered", "body": "Hello Ann", "dateAdded": "2026-01-01T10:01:00.000Z"}
          ]
        }
        """
    static let api = ["Authorization": "Bearer pit-seed-clinic-0001", "Version": "2021-04-15"]
    static let page = #"{"messages":{"lastMessageId":"m_1","nextPage":false,"messages":[{"id":"m_2","direction":"outbound","status":"delivered","type":2,"locationId":"seed-clinic","body":"Hello Ann","contactId":"ct_ann","conversationId":"cv_ann","dateAdded":"2026-01-01T10:01:00.000Z","dateUpdated":"2026-01-01T10:01:00.000Z","messageType":"TYPE_SMS"},{"id":"m_1","direction":"inbound","type":2,"locationId":"seed-clinic","body":"Hi","contactId":"ct_ann","conversationId":"cv_ann","dateAdded":"2026-01-01T10:00:00.000Z","dateUpdated":"2026-01-01T10:00:00.000Z","messageType":"TYPE_SMS"}]},"traceId":"…"}"#

    static func writeFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func servesTheSeedAndGoesBackToItOnEveryReset() async throws {
        let file = try Self.writeFile(Self.fixture)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let server = try ServerProcess(database: ":memory:", arguments: ["--seed-file", file, "--control", "--rate-limit", "off"])
        defer { server.stop() }
        try await server.waitUntilReady()
        #expect(server.output.contains("seed: 1 location, 1 token, 1 contact, 1 conversation, 2 messages"))
        // The seed's location is the store's: no first-start location or token besides it.
        #expect(!server.output.contains { $0.hasPrefix("token: ") })
        let admin = ["Authorization": "Bearer \(try ToolkitCLITests.adminToken(server))"]

        let first = try await server.get("/conversations/cv_ann/messages", headers: Self.api)
        #expect(first.status == 200)
        #expect(withPlaceholderTraceId(first.body) == Self.page)
        let search = try await server.get("/conversations/search?locationId=seed-clinic", headers: Self.api)
        #expect(search.body.contains(#""unreadCount":5,"fullName":"Ann Lee""#))
        #expect(search.body.contains(#""starred":true"#))

        // What a test writes goes with the reset; the seed comes back, also after ?all=true.
        let sent = try await server.send(
            .POST, "/conversations/messages", headers: Self.api,
            json: #"{"type":"SMS","contactId":"ct_ann","message":"written by a test"}"#)
        #expect(sent.status == 201)
        #expect(try await server.get("/conversations/cv_ann/messages", headers: Self.api).body.contains("written by a test"))
        for query in ["", "?all=true"] {
            let reset = try await server.send(.POST, "/_switchboard/reset\(query)", headers: admin)
            #expect(reset.status == 200)
            #expect(reset.body.contains(#""seeded":true"#))
            let again = try await server.get("/conversations/cv_ann/messages", headers: Self.api)
            #expect(again.status == 200)
            #expect(withPlaceholderTraceId(again.body) == Self.page)
        }
    }

    @Test func aBadSeedFileStopsTheStartWithItsLine() async throws {
        let file = try Self.writeFile(Self.fixture.replacingOccurrences(of: #""phone": "+15550100""#, with: #""mobile": "+15550100""#))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let refused = try await runCLI(["serve", "--database", ":memory:", "--port", "0", "--seed-file", file])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains(#"Error: seed file \#(file): line 6: contacts[0]: unknown field "mobile""#))
        #expect(!refused.stdout.contains("listening on"))
        let missing = try await runCLI(["serve", "--database", ":memory:", "--port", "0", "--seed-file", file + ".gone"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Error: seed file \(file).gone: cannot be read"))
    }

    /// A store's state, exported and served from the export (tokens added by hand, as the command says): every
    /// read answers the same, byte for byte.
    @Test func exportSeedWritesAFileAServerServesTheSame() async throws {
        let database = try temporaryDatabase()
        let original = try ServerProcess(database: database, arguments: ["--demo", "--rate-limit", "off"])
        try await original.waitUntilReady()
        let token = String(try #require(original.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count))
        let location = String(try #require(original.output.first { $0.hasPrefix("location: ") }).dropFirst("location: ".count))
        let conversation = try #require(original.lastConversation)
        let paths = [
            "/conversations/\(conversation)/messages?limit=100", "/conversations/search?locationId=\(location)&limit=100",
            "/conversations/messages/export?locationId=\(location)&limit=500",
        ]
        var before: [String] = []
        for path in paths {
            before.append(withPlaceholderTraceId(try await original.get(path, headers: ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]).body))
        }
        await original.stopAndWait()

        let exported = try await runCLI(["export-seed", "--database", database])
        #expect(exported.status == 0)
        #expect(exported.stderr.contains(#"tokens are not exported: add {"token":"pit-…"} to each location's "tokens""#))
        #expect(exported.stdout.hasPrefix("{\n\"locations\": [\n{\"id\":\"\(location)\",\"name\":\"Switchboard\",\"tokens\":[]}\n],\n\"contacts\": [\n"))
        let withToken = exported.stdout.replacingOccurrences(of: #""tokens":[]"#, with: #""tokens":[{"token":"pit-exported-0001"}]"#)
        let file = try Self.writeFile(withToken)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let copy = try ServerProcess(database: ":memory:", arguments: ["--seed-file", file, "--rate-limit", "off"])
        defer { copy.stop() }
        try await copy.waitUntilReady()
        for (path, body) in zip(paths, before) {
            let served = try await copy.get(path, headers: ["Authorization": "Bearer pit-exported-0001", "Version": "2021-04-15"])
            #expect(served.status == 200)
            #expect(withPlaceholderTraceId(served.body) == body, "\(path)")
        }
        let unknown = try await runCLI(["export-seed", "--database", database, "--location", "nowhere"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no location nowhere in this store"))
    }
}
