public import Foundation
import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
public import SwitchboardClient
import SwitchboardCore
import SwitchboardSetup
public import SwitchboardServer

/// A real Switchboard server inside the test process: an in-memory store, an ephemeral loopback port, the control
/// API and the test clock on, and a location with an every-scope token ready. Point `SwitchboardClient` (or any HTTP
/// client) at `baseURL` with `token`, as at HighLevel.
///
/// ```swift
/// try await withTestServer { server in
///     let client = ConversationsClient(configuration: .init(baseURL: server.baseURL, token: server.token))
///     …
///     try await server.reset()
///     try await server.clock.advance(by: .seconds(25 * 3600))
/// }
/// ```
public final class TestServer: Sendable {
    /// `http://127.0.0.1:<port>`.
    public let baseURL: String
    /// The location made at start, and its token (every scope). A reset keeps both.
    public let locationId: String
    public let token: String
    /// What the control API (`/_switchboard/…`) takes, for calls this type does not wrap.
    public let adminToken: String
    public let clock: Clock
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts a server; `seed` is a seed file's JSON (what `serve --seed-file` takes: locations with fixed tokens,
    /// contacts, conversations, messages), loaded at start and after every reset; `configure` may change the
    /// configuration first (rate limits, webhooks, faults…).
    public static func start(
        seed: String? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        var configuration = ServerConfiguration(hostname: "127.0.0.1", port: 0, database: .sqlite(path: ":memory:"))
        if let seed {
            do {
                configuration.seed = try Seed.parse(Array(seed.utf8), now: configuration.now())
            } catch {
                throw TestServerError("seed: \(error)")
            }
        }
        let adminToken = try ControlConfiguration.adminToken(environment: [:])
        configuration.control = ControlConfiguration(adminToken: adminToken, testClock: TestClock())
        configure(&configuration)
        var logger = Logger(label: "switchboard.test-server")
        logger.logLevel = .warning
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = try await buildApplication(configuration: configuration, logger: logger) { _, port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        // No signal handlers: the test process owns its signals; `stop()` shuts the group down.
        let group = ServiceGroup(
            configuration: .init(
                services: [NamedService(name: "switchboard test server", application)], gracefulShutdownSignals: [],
                logger: logger))
        let running = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            if case .failure(let error) = await running.result { throw error }
            throw TestServerError("the server stopped before it listened")
        }
        let baseURL = "http://127.0.0.1:\(port)"
        let control = ControlCalls(baseURL: baseURL, adminToken: adminToken)
        do {
            let tenant = try await control.call(.POST, "/_switchboard/locations", json: #"{"name":"Test location"}"#)
            guard let locationId = tenant["locationId"] as? String, let token = tenant["token"] as? String else {
                throw TestServerError("the control API made no location")
            }
            return TestServer(
                baseURL: baseURL, locationId: locationId, token: token, adminToken: adminToken,
                clock: Clock(control: control), group: group, running: running)
        } catch {
            await group.triggerGracefulShutdown()
            _ = await running.result
            throw error
        }
    }

    private init(
        baseURL: String, locationId: String, token: String, adminToken: String, clock: Clock, group: ServiceGroup,
        running: Task<Void, any Error>
    ) {
        self.baseURL = baseURL
        self.locationId = locationId
        self.token = token
        self.adminToken = adminToken
        self.clock = clock
        self.group = group
        self.running = running
    }

    private var control: ControlCalls { clock.control }

    /// Every location's data back to empty, the clock back to now, faults and the request journal cleared; the
    /// location and token of the start stay.
    public func reset() async throws {
        _ = try await control.call(.POST, "/_switchboard/reset")
    }

    /// Another location with its own every-scope token: a tenant per test.
    public func makeLocation(name: String = "Test location") async throws -> (locationId: String, token: String) {
        let tenant = try await control.call(.POST, "/_switchboard/locations", json: Self.json(["name": name]))
        guard let locationId = tenant["locationId"] as? String, let token = tenant["token"] as? String else {
            throw TestServerError("the control API made no location")
        }
        return (locationId, token)
    }

    /// The requests the server received (`method`, `path` with its query, `status`, `locationId`, `time`), oldest
    /// first.
    public func requests() async throws -> [[String: Any]] {
        try await control.call(.GET, "/_switchboard/requests")["requests"] as? [[String: Any]] ?? []
    }

    /// Makes the next `count` calls of `route` (`"GET /conversations/{conversationId}/messages"`; every API route
    /// when nil) answer `status` (429 or 503).
    public func failNext(_ count: Int, of route: String? = nil, status: Int = 429) async throws {
        var rule: [String: Any] = ["status": status, "count": count]
        if let route { rule["route"] = route }
        _ = try await control.call(.POST, "/_switchboard/faults", json: Self.json(rule))
    }

    /// Delivers the location's events (the start's location unless another is named) to `url` as signed webhooks:
    /// every event, or those named (`InboundMessage`, `OutboundMessage`, `ConversationUnreadUpdate`). Returns the
    /// subscription's id.
    public func subscribe(url: String, events: [String] = [], locationId: String? = nil) async throws -> String {
        let answer = try await control.call(
            .POST, "/_switchboard/webhooks",
            json: Self.json(["locationId": locationId ?? self.locationId, "url": url, "events": events]))
        guard let id = answer["id"] as? String else { throw TestServerError("the control API made no subscription") }
        return id
    }

    /// Registers a custom conversation provider (`type` `SMS` or `Email`) of the location: sends through it are
    /// stored `pending` and delivered to `deliveryURL` as `ProviderOutboundMessage`s. Returns its
    /// `conversationProviderId`.
    public func addProvider(
        type: String, deliveryURL: String, name: String = "Test provider", isDefault: Bool = false,
        locationId: String? = nil
    ) async throws -> String {
        let answer = try await control.call(
            .POST, "/_switchboard/providers",
            json: Self.json([
                "locationId": locationId ?? self.locationId, "name": name, "type": type, "deliveryUrl": deliveryURL,
                "default": isDefault,
            ]))
        guard let id = answer["conversationProviderId"] as? String else {
            throw TestServerError("the control API made no provider")
        }
        return id
    }

    /// The location's events as its writes commit (`InboundMessage`, `OutboundMessage`: the webhooks HighLevel would
    /// deliver, with their signature headers), until the server stops or the consuming task is cancelled. Open once
    /// this returns: every event of a later write is seen.
    public func events(types: [String] = []) async throws -> AsyncThrowingStream<LiveEvent, any Error> {
        try await ConversationsClient(configuration: ClientConfiguration(baseURL: baseURL, token: token))
            .liveEvents(types: types)
    }

    /// Stops the server (its open connections closed, requests in flight answered first) and waits until it has.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await running.result
    }

    /// The server's test clock.
    public struct Clock: Sendable {
        let control: ControlCalls

        /// The server's time now.
        public func now() async throws -> Date {
            try Self.date(try await control.call(.GET, "/_switchboard/clock"))
        }

        /// Moves the clock forward; returns the new time.
        @discardableResult
        public func advance(by duration: Duration) async throws -> Date {
            // In the largest unit that says it exactly: the control API takes at most nine digits.
            try Self.date(
                try await control.call(
                    .POST, "/_switchboard/clock", json: #"{"advance":"\#(duration.compactDescription)"}"#))
        }

        /// Moves the clock to `date` (never before the newest stored message); returns the new time.
        @discardableResult
        public func set(to date: Date) async throws -> Date {
            let time = Timestamp(rawValue: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
            return try Self.date(
                try await control.call(.POST, "/_switchboard/clock", json: #"{"set":"\#(time.iso8601)"}"#))
        }

        private static func date(_ answer: [String: Any]) throws -> Date {
            guard let text = answer["now"] as? String, let time = Timestamp(iso8601: text) else {
                throw TestServerError("the clock answered no time")
            }
            return Date(timeIntervalSince1970: Double(time.rawValue) / 1000)
        }
    }

    private static func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Runs `body` with a started server, and stops it when `body` returns or throws.
public func withTestServer<T: Sendable>(
    seed: String? = nil, configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let server = try await TestServer.start(seed: seed, configure: configure)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

public struct TestServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Calls to the control API with the admin token.
struct ControlCalls: Sendable {
    let baseURL: String
    let adminToken: String

    func call(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        guard (200..<300).contains(response.status.code) else {
            throw TestServerError("\(method) \(path) answered \(response.status.code): \(String(buffer: body))")
        }
        return object
    }
}
