public import Foundation
import Synchronization
public import Hummingbird
import HummingbirdTesting
public import Logging
public import SwitchboardCore
public import SwitchboardServer
import SwitchboardSetup
import SwitchboardPostgres
public import SwitchboardSQLite
public import SwitchboardStorage

/// The store backends every store and HTTP suite runs against.
public enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// Both backends, or those `SWITCHBOARD_TEST_BACKENDS` names (comma-separated): the sanitizer job of
    /// `scripts/test.sh` runs SQLite only (see CONTRIBUTING.md).
    public static var allCases: [Backend] {
        guard let names = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_BACKENDS"], !names.isEmpty else {
            return [.sqlite, .postgres]
        }
        let chosen = names.split(separator: ",").compactMap { Backend(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        precondition(!chosen.isEmpty, "SWITCHBOARD_TEST_BACKENDS names no backend: use sqlite, postgres or both")
        return chosen
    }
}

/// A fresh directory per test, so parallel tests never share a database file.
public func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

extension Logger {
    /// Quiet unless something is wrong.
    public static var test: Logger {
        var logger = Logger(label: "switchboard.test")
        logger.logLevel = .critical
        return logger
    }
}

/// Runs `body` with an empty, migrated store of the given backend, and removes it afterwards.
/// SQLite runs on a `DatabasePool` in a new directory, so WAL and concurrent readers are exercised.
public func withStore<T: Sendable>(
    _ backend: Backend, _ body: @Sendable (any ConversationStore) async throws -> T
) async throws -> T {
    switch backend {
    case .sqlite:
        return try await withSQLiteStore { store in try await body(store) }
    case .postgres:
        // A schema of its own in the cluster scripts/test.sh started; missing configuration fails, never skips.
        return try await withPostgresStore { store in try await body(store) }
    }
}

/// Runs `body` with the path of a new SQLite file in a directory of its own, removed afterwards.
public func withTemporarySQLitePath<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.appendingPathComponent("test.sqlite").path)
}

/// `withStore(.sqlite)` for tests of what only the SQLite store does.
public func withSQLiteStore<T>(_ body: (SQLiteConversationStore) async throws -> T) async throws -> T {
    try await withTemporarySQLitePath { path in try await body(try SQLiteConversationStore(path: path)) }
}

/// A location with an all-scopes token, ready for requests.
public struct Tenant: Sendable {
    public var location: LocationID
    public var token: String

    public var headers: HTTPFields {
        [.authorization: "Bearer \(token)", .version: "2021-04-15", .accept: "application/json"]
    }
}

public let testEpoch = Timestamp(rawValue: 1_767_225_600_000)  // 2026-01-01T00:00:00.000Z

extension ConversationStore {
    /// Creates a location and a token with the given scopes (default: all).
    public func makeTenant(scopes: Set<Scope> = Set(Scope.allCases), name: String = "Test") async throws -> Tenant {
        let location = Location(id: .generate(), name: name, dateAdded: testEpoch)
        try await createLocation(location, logger: .test)
        let token = try await StoreSetup.issueToken(
            self, location: location.id, scopes: scopes, name: "test", now: testEpoch, logger: .test)
        return Tenant(location: location.id, token: token)
    }

    /// Subscribes the tenant's location to every event, delivered to `url`.
    /// A subscription of the tenant's location to `events`: by default the message events, which most tests count
    /// (an inbound message also brings a `ConversationUnreadUpdate`); `[]` is every event.
    public func subscribe(
        _ tenant: Tenant, id: String, url: String, events: [String] = ["InboundMessage", "OutboundMessage"]
    ) async throws {
        try await createSubscription(
            WebhookSubscription(id: id, locationId: tenant.location, url: url, events: events, createdAt: testEpoch),
            logger: .test)
    }

    /// A conversation of the tenant's location with a contact of its own, for writes.
    public func makeConversation(_ tenant: Tenant) async throws -> (ConversationID, ContactID) {
        let (conversation, contact) = (ConversationID.generate(), ContactID.generate())
        try await createConversation(
            Conversation(id: conversation, locationId: tenant.location, contactId: contact, dateAdded: testEpoch),
            logger: .test)
        return (conversation, contact)
    }

    /// Adds a token with other scopes to an existing location.
    public func makeToken(for location: LocationID, scopes: Set<Scope>) async throws -> String {
        try await StoreSetup.issueToken(self, location: location, scopes: scopes, name: "test", now: testEpoch, logger: .test)
    }
}

/// A clock that starts at `testEpoch` and moves one millisecond each time it is read, so writes are ordered.
public final class TickingClock: Sendable {
    private let ticks = Mutex<Int64>(0)
    public init() {}
    public func now() -> Timestamp {
        ticks.withLock { ticks in
            defer { ticks += 1 }
            return Timestamp(rawValue: testEpoch.rawValue + ticks)
        }
    }
}

/// Builds the real application on a store (port 0 for live tests). Rate limits are off unless a test turns them on,
/// so suites that make many requests measure what they mean to. On PostgreSQL, answers are not cached, as
/// `buildApplication(configuration:logger:whenListening:)` has it for a `postgres://` database.
public func makeApplication(
    store: some ConversationStore, metrics: ServerMetrics = ServerMetrics(),
    configure: (inout ServerConfiguration) -> Void = { _ in }
) -> some ApplicationProtocol {
    let clock = TickingClock()
    var configuration = ServerConfiguration(hostname: "127.0.0.1", port: 0, now: { clock.now() })
    configuration.rateLimit = nil
    // Webhook delivery (a dispatcher and key generation per server) only for the tests that ask for it.
    configuration.webhooks.enabled = false
    configure(&configuration)
    // Recorded for the OpenAPI check when SWITCHBOARD_RECORD_EXCHANGES is set (ExchangeRecorder.swift).
    return RecordingApplication(
        buildApplication(store: store, configuration: configuration, metrics: metrics, logger: .test))
}

/// A message with sensible defaults, for fixtures.
public func makeMessage(
    _ id: String? = nil, conversation: ConversationID, location: LocationID, contact: ContactID,
    type: MessageType = .sms, direction: MessageDirection? = .inbound, at milliseconds: Int64,
    body: String? = "hello"
) -> Message {
    Message(
        id: id.map(MessageID.init(rawValue:)) ?? .generate(), conversationId: conversation, locationId: location,
        contactId: contact, messageType: type, direction: direction, status: "delivered", body: body,
        dateAdded: Timestamp(rawValue: testEpoch.rawValue + milliseconds))
}

/// Runs blocking work (socket reads, waiting for a child process) on a thread of its own. On the concurrency pool
/// it would hold one of its few threads (two on a two-core machine) and starve the servers under test, whose
/// timing the suites running beside it assert.
public func offTheConcurrencyPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// A loopback port nothing listens on right now: bound, read, and closed again.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
}
