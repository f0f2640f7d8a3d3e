import Foundation
public import Hummingbird
import HummingbirdTesting
import Logging
import SwitchboardStorage

/// A webhook receiver on a loopback port: records every delivery (headers and exact body bytes) and answers as the
/// test scripts it: a status, a delay before answering, headers.
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public var path: String
        public var headers: HTTPFields
        public var body: [UInt8]
        public var receivedAt: ContinuousClock.Instant

        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }
        public var webhookId: String? { json?["webhookId"] as? String }
    }

    public struct Answer: Sendable {
        public var status: HTTPResponse.Status
        public var delay: Duration
        public var headers: HTTPFields
        /// Awaited before answering: a gate the test opens.
        public var hold: (@Sendable () async -> Void)?

        public init(
            _ status: HTTPResponse.Status = .ok, delay: Duration = .zero, headers: HTTPFields = [:],
            hold: (@Sendable () async -> Void)? = nil
        ) {
            self.status = status
            self.delay = delay
            self.headers = headers
            self.hold = hold
        }
    }

    private let received = Locked<[Delivery]>([])
    /// The answer to the n-th delivery (from 0) to a path.
    private let script: @Sendable (_ path: String, _ index: Int) -> Answer

    public init(script: @escaping @Sendable (_ path: String, _ index: Int) -> Answer = { _, _ in Answer() }) {
        self.script = script
    }

    public var deliveries: [Delivery] { received.withLock { $0 } }

    public func deliveries(to path: String) -> [Delivery] { deliveries.filter { $0.path == path } }

    /// Waits until `count` deliveries reached `path` (or any path), for at most `timeout`.
    public func waitFor(_ count: Int, to path: String? = nil, timeout: Duration = .seconds(30)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let matching = deliveries.filter { path == nil || $0.path == path }
            if matching.count >= count || ContinuousClock.now >= deadline { return matching }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Runs the receiver on a free loopback port for the duration of `body`, which gets the port.
    public func run<T: Sendable>(_ body: @Sendable (_ port: Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/**") { [self] request, context -> Response in
            let bytes = try await request.body.collect(upTo: 16 << 20)
            let path = request.uri.path
            let index = received.withLock { received in
                received.append(
                    Delivery(path: path, headers: request.headers, body: Array(buffer: bytes), receivedAt: .now))
                return received.filter { $0.path == path }.count - 1
            }
            let answer = script(path, index)
            if let hold = answer.hold { await hold() }
            if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
            return Response(status: answer.status, headers: answer.headers)
        }
        var logger = Logger(label: "webhook.receiver")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in
            guard let port = client.port else { throw ReceiverError.noPort }
            return try await body(port)
        }
    }

    enum ReceiverError: Error { case noPort }
}
