import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

@testable import SwitchboardClient

/// A real Switchboard server on a loopback port, a tenant on it, and a client pointed at it.
struct LiveServer: Sendable {
    let store: any ConversationStore
    let tenant: Tenant
    let port: Int
    /// The server's own test client, for requests the typed client cannot make (no `Version` header, say).
    let raw: any TestClientProtocol
    let requests: RequestLog

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A client for the tenant's token that records every request it sends in `requests`.
    func client(token: String? = nil, retryPolicy: RetryPolicy = .never) -> ConversationsClient {
        ConversationsClient(
            configuration: ClientConfiguration(
                baseURL: baseURL, token: token ?? tenant.token, retryPolicy: retryPolicy,
                logger: requests.logger))
    }
}

/// Runs `body` against the real application (`.live` transport) on a store of `backend`, with a fresh tenant.
func withLiveServer<T: Sendable>(
    _ backend: Backend, _ body: @escaping @Sendable (LiveServer) async throws -> T
) async throws -> T {
    try await withStore(backend) { store in
        let tenant = try await store.makeTenant()
        let app = makeApplication(store: store)
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            return try await body(
                LiveServer(store: store, tenant: tenant, port: port, raw: client, requests: RequestLog()))
        }
    }
}

/// Counts the requests a client sends, from its "sending request" debug lines.
final class RequestLog: Sendable {
    private let entries = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "switchboard.client.test") { _ in RecordingHandler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    var sent: [String] { entries.withLock { $0 } }
    var count: Int { entries.withLock { $0.count } }

    fileprivate func record(_ request: String) {
        entries.withLock { $0.append(request) }
    }

    private struct RecordingHandler: LogHandler {
        let log: RequestLog
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            guard event.message.description == "sending request", let request = event.metadata?["request"] else { return }
            log.record("\(request)")
        }
    }
}

/// Records the waits a retry policy asks for instead of sleeping, so retry tests run instantly.
final class SleepRecorder: Sendable {
    private let waits = Mutex<[Duration]>([])

    var recorded: [Duration] { waits.withLock { $0 } }

    func policy(maximumAttempts: Int = 4, maximumTotalWait: Duration = .seconds(60)) -> RetryPolicy {
        RetryPolicy(
            maximumAttempts: maximumAttempts, initialBackoff: .milliseconds(100), maximumBackoff: .seconds(5),
            maximumTotalWait: maximumTotalWait, sleep: { [self] duration in waits.withLock { $0.append(duration) } },
            random: { 0.5 })
    }
}

/// Inserts `count` messages into a new conversation, one second apart, alternating SMS and calls.
/// Returns them newest first, the order pages serve them in.
func seedConversation(
    _ server: LiveServer, count: Int, conversation: ConversationID = .generate(), contact: ContactID = .generate()
) async throws -> [Message] {
    var messages: [Message] = []
    messages.reserveCapacity(count)
    for index in 0..<count {
        messages.append(
            makeMessage(
                conversation: conversation, location: server.tenant.location, contact: contact,
                type: index % 2 == 0 ? .sms : .call, direction: index % 3 == 0 ? .outbound : .inbound,
                at: Int64(index) * 1000, body: "message \(index)"))
    }
    try await server.store.insertMessages(messages, logger: .test)
    return messages.reversed()
}
