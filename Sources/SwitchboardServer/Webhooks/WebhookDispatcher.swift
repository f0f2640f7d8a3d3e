import AsyncHTTPClient
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// The most of a receiver's answer that is read; the rest is dropped with the connection.
private let answerLimit = 64 << 10

/// Delivers the outbox: leases due deliveries (the oldest of each conversation, per subscription), POSTs each signed
/// body to its subscription's URL with at most `concurrency` in flight, and records every attempt's outcome. It
/// runs beside the server and never holds up a request: a write only rings its doorbell.
struct WebhookDispatcher<Store: ConversationStore>: Service {
    let store: Store
    let configuration: WebhookDeliveryConfiguration
    let signer: WebhookSigner
    let doorbell: Doorbell
    let metrics: ServerMetrics
    let now: @Sendable () -> Timestamp
    /// Draws the retry jitter (tests inject a fixed one).
    let random: @Sendable () -> Double
    let logger: Logger

    func run() async throws {
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(configuration.timeout.wholeNanoseconds)),
            decompression: .disabled)
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(configuration.concurrency, 1)
        // A receiver that refuses the connection fails the attempt at once, to be retried on the delivery's own
        // schedule, instead of holding a delivery slot for the whole timeout while the client reconnects.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        // Signatures (a 2048-bit RSA private-key operation a delivery, about 1 ms of CPU here) are made on threads of
        // their own at a lower priority, so that under a burst of writes the API keeps more of the machine and the
        // deliveries catch up after it (docs/performance.md, webhook delivery). The client's connections stay on
        // the shared loops: on the signing threads their reads would wait behind the signatures queued there.
        // Ed25519 alone (about 50 µs) is signed in place, with no threads of its own: the hop to another thread cost
        // more than it saves (a backlog drained 5–10% slower, measured).
        let signers =
            signer.includesRSA
            ? LowPriorityThread.eventLoops(threads: System.coreCount, niceness: configuration.deliveryNiceness) : nil
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        // A graceful shutdown ends the loops; an attempt in flight is cut off, and its lease makes it due again.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await ringEvery(configuration.pollInterval) }
                group.addTask { await maintain() }
                group.addTask { await dispatch(client, signers: signers) }
            }
        }
        try? await client.shutdown()
        try? await signers?.shutdownGracefully()
    }

    /// The timer: picks up events another process wrote and retries that fell due, when nothing else rang.
    private func ringEvery(_ interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            doorbell.ring()
        }
    }

    /// Reads the signing keys again (a rotation takes effect without a restart), prunes delivered events past their
    /// retention, and reports the outbox's depth.
    private func maintain() async {
        // Nothing is read before the schema is migrated (just before the server listens).
        while !signer.mayReadKeys && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
        var lastPrune = ContinuousClock.now - .seconds(3_600)
        while !Task.isCancelled {
            do {
                try await signer.refresh(from: store, now: now(), logger: logger)
                if ContinuousClock.now - lastPrune >= .seconds(60) {
                    lastPrune = .now
                    let cutoff = Timestamp(rawValue: now().rawValue - configuration.retention.wholeMilliseconds)
                    // In batches, so no prune holds the writer for long.
                    while try await store.pruneDeliveries(settledBefore: cutoff, limit: 1_000, logger: logger) == 1_000,
                        !Task.isCancelled
                    {}
                }
                metrics.webhooks.outboxDepth.record(try await store.pendingDeliveryCount(logger: logger))
            } catch where !Task.isCancelled {
                logger.warning("webhook upkeep failed", metadata: ["error": "\(String(reflecting: error))"])
            } catch {
                return  // the server is stopping
            }
            doorbell.ring()
            try? await Task.sleep(for: configuration.keyRefreshInterval)
        }
    }

    private func dispatch(_ client: HTTPClient, signers: (any EventLoopGroup)?) async {
        // Attempts that ended and await recording, with the leases of runs cut short; a slot is free again once its
        // run has ended. What ended together is recorded in one transaction, and the next runs leased in another:
        // two writes per round, however many deliveries the round settles.
        let finished = Locked(Finished())
        var inFlight = 0
        await withDiscardingTaskGroup { runs in
            while !Task.isCancelled {
                let done = finished.withLock { finished in
                    defer { finished = Finished() }
                    return finished
                }
                if !done.attempts.isEmpty || !done.released.isEmpty {
                    do {
                        try await store.recordAttempts(done.attempts, releasing: done.released, logger: logger)
                    } catch {
                        // Their leases run out and they are attempted again: at least once, never lost.
                        logger.warning(
                            "webhook attempts not recorded",
                            metadata: ["count": "\(done.attempts.count)", "error": "\(String(reflecting: error))"])
                    }
                }
                inFlight -= done.runsEnded
                let free = configuration.concurrency - inFlight
                var claimed: [[WebhookDelivery]] = []
                if free > 0, signer.isReady {
                    let time = now()
                    do {
                        claimed = try await store.claimDueRuns(
                            now: time, leaseUntil: Timestamp(rawValue: time.rawValue + configuration.lease.wholeMilliseconds),
                            limit: free, perConversation: configuration.runLength, logger: logger)
                    } catch {
                        logger.warning("webhook outbox unavailable", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                inFlight += claimed.count
                for run in claimed {
                    runs.addTask {
                        let released = await send(run, client: client, signingOn: signers?.next()) { attempt in
                            finished.withLock { $0.attempts.append(attempt) }
                        }
                        finished.withLock { finished in
                            finished.released += released
                            finished.runsEnded += 1
                        }
                        doorbell.ring()
                    }
                }
                // More may be due at once when a full batch came back and room is left; otherwise wait for a ring.
                if claimed.isEmpty || claimed.count == free { await doorbell.wait() }
            }
        }
    }

    /// What the dispatcher has yet to record.
    private struct Finished: Sendable {
        var attempts: [WebhookAttempt] = []
        var released: [WebhookLease] = []
        var runsEnded = 0
    }

    /// Sends a run's deliveries one after another, handing each outcome to `ended`. It stops at the first that is
    /// not delivered (the later events of its conversation wait for it, or, once it is dead, go on), and before a
    /// next attempt that could outlast the time the lease leaves to record it; what it did not send is released.
    private func send(
        _ run: [WebhookDelivery], client: HTTPClient, signingOn loop: (any EventLoop)?,
        ended: @Sendable (WebhookAttempt) -> Void
    ) async -> [WebhookLease] {
        let started = ContinuousClock.now
        let budget = (configuration.lease - configuration.timeout) / 2
        let signatures = signatures(of: run, on: loop)
        for (index, delivery) in run.enumerated() {
            if index > 0, Task.isCancelled || ContinuousClock.now - started >= budget {
                return run[index...].map(\.lease)
            }
            // No keys to sign with yet: its lease runs out and it is attempted again.
            guard let outcome = await attempt(delivery, signatures: { try await signatures(index) }, client: client)
            else {
                return run[(index + 1)...].map(\.lease)
            }
            ended(outcome)
            if outcome.outcome != .delivered { return run[(index + 1)...].map(\.lease) }
        }
        return []
    }

    /// The signature headers of a run's deliveries, by index (nil until the keys have been read): made ahead, in
    /// order, on the low-priority `loop` when there is one (each is ready by the time the delivery before it has
    /// been sent, and one wake-up of that thread serves the whole run), else in place.
    private func signatures(of run: [WebhookDelivery], on loop: (any EventLoop)?)
        -> @Sendable (Int) async throws -> SignatureHeaders?
    {
        let signer = signer
        guard let loop else { return { try signer.signatureHeaders(for: run[$0].body) } }
        let made = run.map { delivery in loop.submit { try signer.signatureHeaders(for: delivery.body) } }
        return { try await made[$0].get() }
    }

    typealias SignatureHeaders = [(name: String, value: String)]

    /// One attempt: sends the body with the headers `signatures` gives; returns the outcome and when (if ever) to try
    /// again, or nil when there are no keys to sign with yet (the lease then runs out and the delivery is attempted
    /// again).
    func attempt(
        _ delivery: WebhookDelivery, signatures: () async throws -> SignatureHeaders?, client: HTTPClient
    ) async -> WebhookAttempt? {
        let body = delivery.body
        let started = ContinuousClock.now
        var status: Int?
        var retryAfter: Duration?
        var failure: String?
        do {
            guard let signatures = try await signatures() else { return nil }
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Switchboard-Webhooks/1")
            for (name, value) in signatures { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            (status, retryAfter) = try await Self.send(request, client: client, timeout: configuration.timeout, logger: logger)
        } catch {
            failure = Self.describe(error, timeout: configuration.timeout)
        }
        let latency = ContinuousClock.now - started
        let time = now()
        let (outcome, next) = configuration.retry.outcome(
            attempt: delivery.attempts + 1, status: status, retryAfter: retryAfter, now: time, random: random())
        switch outcome {
        case .delivered: metrics.webhooks.delivered.increment()
        case .retry: metrics.webhooks.retried.increment()
        case .dead: metrics.webhooks.dead.increment()
        }
        metrics.webhooks.latency.recordNanoseconds(latency.wholeNanoseconds)
        if outcome != .delivered {
            logger.info(
                "webhook attempt failed",
                metadata: [
                    "webhook.id": "\(delivery.webhookId)", "subscription": "\(delivery.subscriptionId)",
                    "status": "\(status.map(String.init) ?? "none")", "error": "\(failure ?? "")",
                    "outcome": "\(outcome.rawValue)",
                ])
        }
        return WebhookAttempt(
            webhookId: delivery.webhookId, leaseToken: delivery.leaseToken, outcome: outcome, at: time, statusCode: status,
            error: outcome == .delivered ? nil : failure ?? status.map { "HTTP \($0)" },
            latencyMilliseconds: Int(latency.wholeMilliseconds), nextAttemptAt: next)
    }

    /// Sends `request` and reads at most `answerLimit` of the answer, all within `timeout`.
    private static func send(_ request: HTTPClientRequest, client: HTTPClient, timeout: Duration, logger: Logger)
        async throws -> (status: Int, retryAfter: Duration?)
    {
        try await withThrowingTaskGroup(of: (status: Int, retryAfter: Duration?)?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: .nanoseconds(timeout.wholeNanoseconds), logger: logger)
                var read = 0
                for try await chunk in response.body {
                    read += chunk.readableBytes
                    if read >= answerLimit { break }
                }
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(WebhookRetryPolicy.retryAfter)
                return (Int(response.status.code), retryAfter)
            }
            group.addTask {
                // Task.sleep, not TimerSleep: an event-loop timer per delivery, scheduled and cancelled from the
                // attempt's task, raised the one-conversation latency (p50 2 ms → 6–29 ms, measured); a cancelled
                // Task.sleep's timer lives until its deadline, at most `timeout` × deliveries/s of them.
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else { throw DeliveryTimeout() }
            return answer
        }
    }

    private struct DeliveryTimeout: Error {}

    /// What `webhook deliveries` shows for an attempt that got no answer.
    static func describe(_ error: any Error, timeout: Duration) -> String {
        switch error {
        case is DeliveryTimeout: "no answer within \(timeout)"
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            "no answer within \(timeout)"
        case let error as HTTPClientError where error == .connectTimeout: "could not connect within \(timeout)"
        case let error as HTTPClientError: "\(error)"
        default: "\(error)"
        }
    }
}
