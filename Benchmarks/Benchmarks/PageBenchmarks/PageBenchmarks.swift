import Benchmark
import Foundation
import Logging
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardStorage

/// The hot functions without HTTP: the page query (newest and deep), encoding a page to bytes (ours against
/// Foundation's `JSONEncoder`), and the token check. Compare the pairs within one run; absolute numbers move with
/// the machine's load.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .instructions, .mallocCountTotal], warmupIterations: 20,
        maxDuration: .seconds(3), maxIterations: 100_000)

    Benchmark("page query: newest 20") { benchmark in
        let fixture = try await Fixture.shared()
        for _ in benchmark.scaledIterations { blackHole(try await fixture.store.messagePage(fixture.newest, logger: fixture.logger)) }
    }
    Benchmark("page query: 50,000 deep") { benchmark in
        let fixture = try await Fixture.shared()
        for _ in benchmark.scaledIterations { blackHole(try await fixture.store.messagePage(fixture.deep, logger: fixture.logger)) }
    }
    Benchmark("page query: newest, type=TYPE_SMS,TYPE_CALL") { benchmark in
        let fixture = try await Fixture.shared()
        for _ in benchmark.scaledIterations { blackHole(try await fixture.store.messagePage(fixture.filtered, logger: fixture.logger)) }
    }
    Benchmark("encode page: JSONWriter") { benchmark in
        let page = try await Fixture.shared().page
        for _ in benchmark.scaledIterations { blackHole(page.responseBytes(traceId: "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30")) }
    }
    Benchmark("encode page: JSONEncoder (baseline)") { benchmark in
        let page = try await Fixture.shared().page
        let response = MessagePageResponse(
            messages: .init(lastMessageId: page.lastMessageId, nextPage: page.nextPage, messages: page.messages),
            traceId: "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30")
        for _ in benchmark.scaledIterations { blackHole(try JSONEncoder().encode(response)) }
    }
    Benchmark("token check: hash + store lookup") { benchmark in
        let fixture = try await Fixture.shared()
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.store.activeToken(hash: TokenHash(token: fixture.token), logger: fixture.logger))
        }
    }
    Benchmark("token check: hash only") { benchmark in
        let token = try await Fixture.shared().token
        for _ in benchmark.scaledIterations { blackHole(TokenHash(token: token)) }
    }
}

/// One SQLite file with a 100,000-message conversation, built once per benchmark process.
actor Fixture {
    static let instance = Fixture()
    private var built: Built?

    struct Built: Sendable {
        let store: SQLiteConversationStore
        let newest: MessagePageQuery
        let deep: MessagePageQuery
        let filtered: MessagePageQuery
        let page: MessagePage
        let token: String
        let logger: Logger
    }

    static func shared() async throws -> Built { try await instance.build() }

    private func build() async throws -> Built {
        if let built { return built }
        let logger = Logger(label: "bench")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bench-\(UUID().uuidString).sqlite").path
        let store = try SQLiteConversationStore(path: path)
        let location = Location(id: LocationID(rawValue: "BenchLocation"), name: "bench", dateAdded: Timestamp(rawValue: 0))
        try await store.createLocation(location, logger: logger)
        let (token, record) = PrivateIntegrationToken.issue(
            location: location.id, scopes: Set(Scope.allCases), name: "bench", at: Timestamp(rawValue: 0))
        try await store.createToken(record, logger: logger)
        let conversation = ConversationID(rawValue: "BenchConversation")
        let types: [MessageType] = [.sms, .sms, .call, .email, .whatsapp, .facebook]
        var batch: [Message] = []
        for index in 0..<100_000 {
            batch.append(
                Message(
                    id: MessageID(rawValue: "m" + String(index)), conversationId: conversation, locationId: location.id,
                    contactId: ContactID(rawValue: "BenchContact"), messageType: types[index % types.count],
                    direction: index.isMultiple(of: 2) ? .inbound : .outbound, status: "delivered",
                    body: "Message \(index): see you at 3pm, thanks!", dateAdded: Timestamp(rawValue: Int64(index) * 1000)))
            if batch.count == 10_000 {
                try await store.insertMessages(batch, logger: logger)
                batch.removeAll(keepingCapacity: true)
            }
        }
        let newest = MessagePageQuery(conversationId: conversation, locationId: location.id)
        var deep = newest
        deep.lastMessageId = MessageID(rawValue: "m50000")
        var filtered = newest
        filtered.filter = MessageTypeFilter(types: [.sms, .call])
        let page = try await store.messagePage(newest, logger: logger)
        let result = Built(
            store: store, newest: newest, deep: deep, filtered: filtered, page: page, token: token, logger: logger)
        built = result
        return result
    }
}
