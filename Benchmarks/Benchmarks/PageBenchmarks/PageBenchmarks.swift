import Benchmark
import Foundation
import Logging
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardStorage

// The hot functions of a page request, without HTTP: the page query, encoding the page to bytes, and the token
// check. Each benchmark runs in a process of its own (that is how ordo-one/benchmark works), so the SQLite fixture
// is seeded in each benchmark's setup, outside the measurement.
//
// This machine is shared and noisy, so absolute numbers move from run to run. Every group therefore has a baseline
// measured in the same run, and `run.sh` prints the ratios to it:
//   - encoding: Foundation's `JSONEncoder` on the same page (the reference encoding the tests compare against);
//   - page query: the newest page (the deep and filtered pages should cost about the same);
//   - all SQLite reads: `ping`, one pool read of `SELECT 1`, the floor of any store call.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // `instructions` needs perf events; where the kernel refuses them the metric is left out of the results.
        metrics: [.wallClock, .throughput, .instructions, .mallocCountTotal],
        // Nanoseconds everywhere: automatic units would record a 13 µs encoding as a whole number of microseconds.
        timeUnits: .nanoseconds,
        warmupIterations: 50,
        maxDuration: .seconds(2),
        maxIterations: 200_000
    )

    // MARK: The page query

    Benchmark("sqlite: ping (pool read floor)") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            try await fixture.store.ping(logger: fixture.logger)
        }
    } setup: {
        try await StoreFixture.make()
    } teardown: {
        StoreFixture.removeFiles()
    }

    Benchmark("page query: newest 20 (baseline)") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.store.messagePage(fixture.newest, logger: fixture.logger))
        }
    } setup: {
        try await StoreFixture.make()
    } teardown: {
        StoreFixture.removeFiles()
    }

    Benchmark("page query: deep (lastMessageId)") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.store.messagePage(fixture.deep, logger: fixture.logger))
        }
    } setup: {
        try await StoreFixture.make()
    } teardown: {
        StoreFixture.removeFiles()
    }

    Benchmark("page query: newest, type=TYPE_SMS,TYPE_CALL") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.store.messagePage(fixture.filtered, logger: fixture.logger))
        }
    } setup: {
        try await StoreFixture.make()
    } teardown: {
        StoreFixture.removeFiles()
    }

    // MARK: Encoding a page to bytes

    Benchmark("encode page: JSONEncoder (baseline)") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(try fixture.encoder.encode(fixture.response))
        }
    } setup: {
        try EncodingFixture.make()
    }

    Benchmark("encode page: JSONWriter responseBytes") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(fixture.page.responseBytes(traceId: EncodingFixture.traceId))
        }
    } setup: {
        try EncodingFixture.make()
    }

    Benchmark("encode page: JSONWriter responsePrefix") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(fixture.page.responsePrefix())
        }
    } setup: {
        try EncodingFixture.make()
    }

    // MARK: The token check

    Benchmark("token check: TokenHash(token:)") { benchmark, token in
        for _ in benchmark.scaledIterations {
            blackHole(TokenHash(token: token))
        }
    } setup: {
        Seed.token
    }

    // What the server's gatekeeper does on a token-cache miss. The cache itself (`TokenCache` in SwitchboardServer)
    // is internal, so its hit path is not measured here.
    Benchmark("token check: looksLikePIT + TokenHash + store.activeToken") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            let credential = fixture.bearer
            guard PrivateIntegrationToken.looksLikePIT(credential) else {
                benchmark.error("the seeded token does not look like a PIT")
                return
            }
            let hash = TokenHash(token: credential)
            guard let token = try await fixture.store.activeToken(hash: hash, logger: fixture.logger) else {
                benchmark.error("the seeded token was not found")
                return
            }
            blackHole(token)
        }
    } setup: {
        try await StoreFixture.make()
    } teardown: {
        StoreFixture.removeFiles()
    }
}

// MARK: - Fixtures

/// Deterministic data: one location, one conversation of `Seed.messageCount` messages, one token.
enum Seed {
    static let messageCount = 10_000
    /// The deep page starts after the message with this index (indices grow with time), i.e. this many messages
    /// from the newest end of the conversation.
    static let deepCursorIndex = messageCount / 2
    static let location = LocationID(rawValue: "BenchLocation0000000")
    static let conversation = ConversationID(rawValue: "BenchConversation000")
    static let contact = ContactID(rawValue: "BenchContact00000000")
    static let token = "pit-6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162"
    static let firstDate: Int64 = 1_700_000_000_000

    /// 20-character ids, as HighLevel's are.
    static func messageID(_ index: Int) -> MessageID {
        let digits = String(index)
        return MessageID(rawValue: "Msg" + String(repeating: "0", count: max(0, 17 - digits.count)) + digits)
    }

    /// A mix of channels, about half of them SMS or call, with the optional fields each channel brings.
    static func message(_ index: Int) -> Message {
        let types: [MessageType] = [.sms, .email, .sms, .whatsapp, .call, .facebook, .sms, .email]
        let type = types[index % types.count]
        let date = Timestamp(rawValue: firstDate + Int64(index) * 60_000)
        var message = Message(
            id: messageID(index), conversationId: conversation, locationId: location, contactId: contact,
            messageType: type, direction: index.isMultiple(of: 3) ? .outbound : .inbound, status: "delivered",
            body: "Hi Sam, your appointment on Tuesday at 3:30 PM is confirmed. Reply \"C\" to cancel or call us "
                + "with any questions. (message \(index))",
            dateAdded: date, source: index.isMultiple(of: 3) ? "app" : nil)
        switch type {
        case .call:
            message.body = nil
            message.contentType = nil
            message.call = CallDetails(duration: 42 + index % 300, status: "completed")
        case .email:
            message.emailMessageIds = ["Eml" + messageID(index).rawValue.dropFirst(3)]
            message.contentType = "text/html"
        case .whatsapp:
            message.attachments = ["https://files.example.com/attachments/\(index).jpg"]
        default:
            break
        }
        return message
    }
}

struct StoreFixture {
    let store: SQLiteConversationStore
    let logger: Logger
    let newest: MessagePageQuery
    let deep: MessagePageQuery
    let filtered: MessagePageQuery
    let bearer: Substring

    /// One directory per benchmark process, removed by the teardown.
    static var directory: URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-benchmarks-\(ProcessInfo.processInfo.processIdentifier)")
    }

    static func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }

    static func make() async throws -> StoreFixture {
        var logger = Logger(label: "switchboard.benchmarks")
        logger.logLevel = .critical
        removeFiles()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteConversationStore(path: directory.appendingPathComponent("bench.sqlite").path)

        try await store.createLocation(
            Location(id: Seed.location, name: "Benchmarks", dateAdded: Timestamp(rawValue: Seed.firstDate)),
            logger: logger)
        try await store.createToken(
            StoredToken(
                id: "tok_benchmark", hash: TokenHash(token: Seed.token), locationId: Seed.location, name: "benchmarks",
                scopes: Set(Scope.allCases), createdAt: Timestamp(rawValue: Seed.firstDate)),
            logger: logger)
        var batch: [Message] = []
        batch.reserveCapacity(1_000)
        for index in 0..<Seed.messageCount {
            batch.append(Seed.message(index))
            if batch.count == 1_000 || index == Seed.messageCount - 1 {
                try await store.insertMessages(batch, logger: logger)
                batch.removeAll(keepingCapacity: true)
            }
        }

        let newest = MessagePageQuery(conversationId: Seed.conversation, locationId: Seed.location)
        var deep = newest
        deep.lastMessageId = Seed.messageID(Seed.messageCount - 1 - Seed.deepCursorIndex)
        var filtered = newest
        filtered.filter = MessageTypeFilter(types: [.sms, .call])
        let fixture = StoreFixture(
            store: store, logger: logger, newest: newest, deep: deep, filtered: filtered, bearer: Seed.token[...])
        try await fixture.check()
        return fixture
    }

    /// Each query returns what it should, so the benchmarks measure real pages, not errors or empty results.
    private func check() async throws {
        let newestPage = try await store.messagePage(newest, logger: logger)
        guard newestPage.messages.count == newest.limit, newestPage.nextPage,
            newestPage.messages.first?.id == Seed.messageID(Seed.messageCount - 1)
        else { throw FixtureError("the newest page is not the newest \(newest.limit) messages") }
        let deepPage = try await store.messagePage(deep, logger: logger)
        guard deepPage.messages.count == deep.limit,
            deepPage.messages.first?.id == Seed.messageID(Seed.messageCount - 2 - Seed.deepCursorIndex)
        else { throw FixtureError("the deep page does not follow its cursor") }
        let filteredPage = try await store.messagePage(filtered, logger: logger)
        guard filteredPage.messages.count == filtered.limit,
            filteredPage.messages.allSatisfy({ $0.messageType == .sms || $0.messageType == .call })
        else { throw FixtureError("the filtered page holds other types") }
        guard try await store.activeToken(hash: TokenHash(token: Seed.token), logger: logger) != nil else {
            throw FixtureError("the seeded token is not active")
        }
    }
}

struct EncodingFixture {
    static let traceId = "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30"

    /// The newest page of the seeded conversation, as the store returns it.
    let page: MessagePage
    /// The same page as the `Codable` response type, for the reference encoding.
    let response: MessagePageResponse
    let encoder: JSONEncoder

    static func make() throws -> EncodingFixture {
        let messages = (0..<MessagePageQuery.defaultLimit).map { Seed.message(Seed.messageCount - 1 - $0) }
        let page = MessagePage(messages: messages, nextPage: true)
        let ours = page.responseBytes(traceId: traceId)
        // `MessagePageResponse` has no public memberwise initializer; decoding our bytes gives the same value.
        let response = try JSONDecoder().decode(MessagePageResponse.self, from: Data(ours))
        let encoder = JSONEncoder()
        let reference = try encoder.encode(response)
        // Both sides must describe the same JSON, or the ratio compares different work.
        guard response.messages.messages == messages, response.traceId == traceId,
            try JSONDecoder().decode(MessagePageResponse.self, from: reference) == response
        else { throw FixtureError("JSONWriter and JSONEncoder disagree on the page") }
        return EncodingFixture(page: page, response: response, encoder: encoder)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
