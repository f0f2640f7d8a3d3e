import Foundation
import SwitchboardClient
import SwitchboardCore
import SwitchboardTestSupport
import SwitchboardTesting
import Testing

/// `SwitchboardTesting` (issue 18): the README's example, run as written — a real server inside this test process,
/// `SwitchboardClient` pointed at it, and the toolkit's reset, faults, journal and clock.
@Suite struct TestServerTests {
    /// Webhooks and a custom provider inside a Swift test: the in-process server delivers to a receiver in the same
    /// process, the provider's message to the provider alone.
    @Test func webhooksAndAProviderReachAReceiverInTheTest() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { port in
            try await withTestServer(configure: { $0.webhooks.pollInterval = .milliseconds(50) }) { server in
                let subscription = try await server.subscribe(
                    url: "http://127.0.0.1:\(port)/hook", events: ["OutboundMessage"])
                #expect(subscription.hasPrefix("sub_"))
                let provider = try await server.addProvider(type: "SMS", deliveryURL: "http://127.0.0.1:\(port)/provider")
                let client = ConversationsClient(
                    configuration: ClientConfiguration(baseURL: server.baseURL, token: server.token))
                let contact = try await client.createContact(
                    ContactFields(locationId: LocationID(rawValue: server.locationId), phone: "+15550100"))
                let sent = try await client.sendMessage(
                    SendMessageRequest(type: .sms, contactId: contact.id, message: "Hi", conversationProviderId: provider))
                let toProvider = try #require(try await receiver.waitFor(1, to: "/provider").first)
                #expect(toProvider.json?["message"] as? String == "Hi")
                #expect(toProvider.json?["phone"] as? String == "+15550100")
                #expect(toProvider.json?["messageId"] as? String == sent.messageId?.rawValue)
                let heard = try #require(try await receiver.waitFor(1, to: "/hook").first)
                #expect(heard.json?["type"] as? String == "OutboundMessage")
                #expect(heard.json?["status"] as? String == "pending")
            }
        }
    }

    @Test func aClientTestAgainstAnInProcessSwitchboard() async throws {
        try await withTestServer { server in
            let client = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: server.token))
            let location = LocationID(rawValue: server.locationId)

            let contact = try await client.createContact(ContactFields(locationId: location, phone: "+15550100"))
            let sent = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: "Hi"))
            let conversation = try #require(sent.conversationId)
            #expect(try await client.messages(in: conversation).messages.map(\.body) == ["Hi"])

            // The next page read answers 429 once: the client waits and retries, and the journal shows both calls.
            try await server.failNext(1, of: "GET /conversations/{conversationId}/messages")
            #expect(try await client.messages(in: conversation).messages.count == 1)

            // The test clock, and a fresh store for the next test (the token stays).
            try await server.clock.advance(by: .seconds(25 * 3600))
            try await server.reset()
        }
    }

    /// The README's block is the test above, word for word (indented once less).
    @Test func theReadmeShowsTheTestAbove() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let start = try #require(source.range(of: "    @Test func aClientTestAgainstAnInProcessSwitchboard()"))
        let end = try #require(source.range(of: "\n    }\n", range: start.upperBound..<source.endIndex))
        let test = source[start.lowerBound..<end.upperBound].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("    ") ? $0.dropFirst(4) : $0 }.joined(separator: "\n")
        #expect(readme.contains("```swift\nimport SwitchboardClient\nimport SwitchboardCore\nimport SwitchboardTesting\nimport Testing\n\n" + test + "```\n"))
    }

    /// What the README's test does not show: the journal's record of the retry, dates on the clock, the reset's
    /// effect, another tenant.
    @Test func theToolkitsCallsFromSwift() async throws {
        try await withTestServer { server in
            let location = LocationID(rawValue: server.locationId)
            let client = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: server.token))
            let contact = try await client.createContact(ContactFields(locationId: location, email: "ada@example.com"))
            let conversation = try await client.createConversation(locationId: location, contactId: contact.id).id
            try await server.failNext(2, of: "GET /conversations/{conversationId}/messages", status: 503)
            #expect(try await client.messages(in: conversation).messages.isEmpty)  // after two retries
            let reads = try await server.requests().filter { ($0["path"] as? String)?.contains("/messages") == true }
            #expect(reads.map { $0["status"] as? Int } == [503, 503, 200])
            #expect(reads.allSatisfy { $0["locationId"] as? String == server.locationId })

            // The test clock: a message sent a day later is dated a day later.
            let before = try await server.clock.now()
            let later = try await server.clock.advance(by: .seconds(25 * 3600))
            #expect(later.timeIntervalSince(before) >= 25 * 3600)
            let next = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: "Later"))
            let dated = try await client.message(try #require(next.messageId))
            #expect(dated.dateAdded.rawValue >= Int64(later.timeIntervalSince1970 * 1000))

            // Between tests: the data goes, the token stays.
            try await server.reset()
            await #expect(throws: HighLevelAPIError.self) { try await client.messages(in: conversation) }
            let search = try await client.searchConversations(ConversationSearch(locationId: location))
            #expect(search.total == 0)
            let (otherLocation, otherToken) = try await server.makeLocation(name: "Second tenant")
            #expect(otherLocation != server.locationId && otherToken.hasPrefix("pit-"))
        }
    }

    @Test func serversRunSideBySideAndStop() async throws {
        let first = try await TestServer.start()
        let second = try await TestServer.start { $0.rateLimit = nil }
        #expect(first.baseURL != second.baseURL)
        #expect(first.adminToken != second.adminToken)
        let client = ConversationsClient(configuration: ClientConfiguration(baseURL: first.baseURL, token: first.token))
        #expect(try await client.isReady())
        await first.stop()
        // Nothing listens at its port any more (AsyncHTTPClient would retry a refused connection until its timeout).
        let port = try #require(first.baseURL.split(separator: ":").last.flatMap { Int($0) })
        #expect(try Self.connectionIsRefused(port: port))
        #expect(try await ConversationsClient(
            configuration: ClientConfiguration(baseURL: second.baseURL, token: second.token)).isReady())
        await second.stop()
    }

    static func connectionIsRefused(port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result != 0 && errno == ECONNREFUSED
    }

    /// A seed file's state, loaded at start and again by every reset; a bad one is refused with its line.
    @Test func startsFromASeedAndResetsToIt() async throws {
        let seed = """
            {"locations": [{"id": "seeded", "tokens": [{"token": "pit-swift-seed-01"}]}],
             "contacts": [{"id": "ct_1", "locationId": "seeded", "firstName": "Ann"}],
             "messages": [{"id": "m_1", "conversationId": "cv_1", "locationId": "seeded", "contactId": "ct_1",
                           "messageType": "TYPE_SMS", "direction": "inbound", "body": "Seeded", "dateAdded": 1767261600000}]}
            """
        try await withTestServer(seed: seed) { server in
            let client = ConversationsClient(
                configuration: ClientConfiguration(baseURL: server.baseURL, token: "pit-swift-seed-01"))
            let conversation = ConversationID(rawValue: "cv_1")
            #expect(try await client.messages(in: conversation).messages.map(\.body) == ["Seeded"])
            _ = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: ContactID(rawValue: "ct_1"), message: "New"))
            #expect(try await client.messages(in: conversation).messages.map(\.body) == ["New", "Seeded"])
            try await server.reset()
            #expect(try await client.messages(in: conversation).messages.map(\.body) == ["Seeded"])
        }
        await #expect {
            try await withTestServer(seed: #"{"locations": [{"id": "a", "zone": 1}]}"#) { _ in }
        } throws: { error in
            (error as? TestServerError)?.description == #"seed: line 1: locations[0]: unknown field "zone""#
        }
    }
}
