import Logging
import PostgresNIO
import SwitchboardStorage

/// The store's connection pool, replaced by a fresh one when it cannot reach a database that can be reached.
///
/// postgres-nio's pool retries a failed connection after 100 ms × 1.25ⁿ, up to a minute, and that backoff cannot be
/// set: after an outage of a few minutes the pool may not try again until up to a minute after the database is
/// back. So while operations are failing for want of a connection, a fresh pool is started every second; the first
/// that reaches the database takes over, and the old one is stopped once work already on it has had time to end.
final class RenewablePostgresClient: Sendable {
    private struct State {
        var pool: StartedPool
        /// When an operation last got a connection, and when one last could not.
        var lastLease: ContinuousClock.Instant
        var lastFailure: ContinuousClock.Instant?

        /// Failing, not merely busy: the last lease failed, and none has succeeded for a whole check interval.
        var isFailing: Bool {
            guard let lastFailure else { return false }
            return lastFailure > lastLease && lastLease < .now - RenewablePostgresClient.checkInterval
        }
    }

    /// How often the pool's state is looked at.
    static let checkInterval: Duration = .seconds(1)
    /// How long a fresh pool's first connection is waited for.
    static let probeTimeout: Duration = .seconds(1)

    private let state: Locked<State>
    private let makeClient: @Sendable () -> PostgresClient
    /// How long a replaced pool keeps running: its leased connections are each bound by the statement timeout.
    private let retirementGrace: Duration
    private let logger: Logger

    init(
        retirementGrace: Duration, logger: Logger,
        makeClient: @escaping @Sendable () -> PostgresClient
    ) {
        self.makeClient = makeClient
        self.retirementGrace = retirementGrace
        self.logger = logger
        state = Locked(State(pool: StartedPool(makeClient()), lastLease: .now))
    }

    /// A pool of `options`' connections: a replaced pool keeps running until the statements leased from it have had
    /// their time.
    convenience init(options: PostgresOptions, logger: Logger) {
        self.init(retirementGrace: max(options.statementTimeout, .seconds(1)) + .seconds(5), logger: logger) {
            PostgresClient(configuration: options.clientConfiguration, backgroundLogger: logger)
        }
    }

    /// The pool operations lease from now.
    var current: StartedPool { state.withLock { $0.pool } }

    /// An operation got its connection from `pool`.
    func leaseSucceeded(from pool: StartedPool) { record(pool) { $0.lastLease = .now } }

    /// An operation got no connection from `pool` in time, or lost it to a network error.
    func leaseFailed(from pool: StartedPool) { record(pool) { $0.lastFailure = .now } }

    /// Only the current pool's leases count: a replaced pool's late failures say nothing of its successor.
    private func record(_ pool: StartedPool, _ update: (inout State) -> Void) {
        state.withLock { state in
            if state.pool === pool { update(&state) }
        }
    }

    /// Runs the current pool, and its successors, until cancelled.
    func run() async {
        await withDiscardingTaskGroup { retirements in
            var running = current.start()
            while (try? await TimerSleep.sleep(for: Self.checkInterval)) != nil {
                guard let replaced = await check() else { continue }
                // The replaced pool runs on until the work already on it has ended (or until we are cancelled).
                let retired = running
                retirements.addTask { [retirementGrace] in
                    try? await TimerSleep.sleep(for: retirementGrace)
                    retired.cancel()
                    await retired.value
                }
                running = replaced
            }
            running.cancel()
            await running.value
        }
    }

    /// Replaces a failing pool if a fresh one reaches the database; returns the fresh one's run.
    private func check() async -> Task<Void, Never>? {
        guard state.withLock({ $0.isFailing }) else { return nil }
        let candidate = StartedPool(makeClient())
        let candidateRun = candidate.start()
        guard await reaches(candidate) else {
            candidateRun.cancel()
            await candidateRun.value
            return nil
        }
        state.withLock { state in
            state.pool = candidate
            state.lastLease = .now
        }
        logger.notice("PostgreSQL connection pool replaced: its connections were failing and a new pool reached the database")
        return candidateRun
    }

    private func reaches(_ pool: StartedPool) async -> Bool {
        do {
            try await leaseConnection(from: pool, within: Self.probeTimeout, workBound: Self.probeTimeout) { [logger] connection in
                _ = try await connection.query("SELECT 1", logger: logger).collect()
            }
            return true
        } catch {
            return false
        }
    }
}

/// A pool and whether its `run()` has begun. Leasing from a pool before then works (the lease waits), but makes
/// postgres-nio log a warning, and a fresh pool is leased from at once: leases wait for the start here instead.
final class StartedPool: Sendable {
    let client: PostgresClient
    private struct State {
        var started = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Locked(State())

    init(_ client: PostgresClient) { self.client = client }

    /// Runs the pool in a task of its own until that task is cancelled.
    func start() -> Task<Void, Never> {
        Task {
            let waiters = state.withLock { state in
                state.started = true
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
            await client.run()
        }
    }

    /// The client, once its pool runs (or at once when the waiting task is cancelled: the lease then fails).
    func running() async -> PostgresClient {
        let waiter: Int? = state.withLock { state in
            guard !state.started else { return nil }
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        guard let id = waiter else { return client }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    guard !state.started, !Task.isCancelled else { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
        return client
    }
}
