import Logging
import PostgresNIO
import SwitchboardStorage
import SwitchboardCore

extension PostgresConversationStore {
    /// Runs one store operation on a pooled connection: waiting at most `connectionTimeout` for the connection,
    /// working at most `workBound(statements:)` on it, with driver errors turned into `StoreError`, and a deadlocked
    /// transaction run again up to `retries` times. `statements`: how many the operation sends at most, BEGIN and
    /// COMMIT included; each may take up to the statement timeout (waiting for a lock counts) on a healthy server.
    func run<T: Sendable>(
        _ operation: String, logger: Logger, retries: Int = 0, statements: Int = 1,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        let bound = workBound(statements: statements)
        while true {
            let leasedFrom = pool.current
            do {
                return try await withLeasedConnection(from: leasedFrom, workBound: bound, body)
            } catch let error as StoreError {
                if case .unavailable(let reason) = error {
                    logger.warning("postgres unavailable", metadata: ["operation": "\(operation)", "reason": "\(reason)"])
                }
                throw error
            } catch let error as SwitchboardError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch let error as PostgresTransactionError
                where error.closureError is StoreError || error.closureError is SwitchboardError
            {
                // Our own error from inside a transaction, which has been rolled back: pass it on unwrapped.
                if let cause = error.closureError { throw cause }
                throw error
            } catch {
                switch PostgresErrorKind(error) {
                case .constraint(let refusal):
                    throw refusal
                case .unstorableText:
                    logger.debug("postgres refused text", metadata: ["operation": "\(operation)"])
                    throw SwitchboardError.validation(
                        ValidationFailure("text fields must not contain NUL (\\u0000) characters"))
                case .retryable where attempt < retries:
                    attempt += 1
                    logger.debug("postgres transaction conflict, retrying", metadata: ["operation": "\(operation)"])
                case .retryable:
                    logger.warning(
                        "postgres transaction conflict",
                        metadata: ["operation": "\(operation)", "error": "\(String(reflecting: error))"])
                    throw StoreError.unavailable("conflicting concurrent writes")
                case .disconnected(let reason):
                    pool.leaseFailed(from: leasedFrom)
                    logger.warning(
                        "postgres disconnected",
                        metadata: ["operation": "\(operation)", "error": "\(String(reflecting: error))"])
                    throw StoreError.unavailable(reason)
                case .unavailable(let reason):
                    logger.warning(
                        "postgres unavailable",
                        metadata: ["operation": "\(operation)", "error": "\(String(reflecting: error))"])
                    throw StoreError.unavailable(reason)
                case .other:
                    logger.error(
                        "postgres query failed",
                        metadata: ["operation": "\(operation)", "error": "\(String(reflecting: error))"])
                    throw error
                }
            }
        }
    }

    /// How long an operation may work on its connection before the connection is closed under it: nil when
    /// statements have no timeout.
    ///
    /// The server's `statement_timeout` cannot end a statement when the server itself stopped answering (frozen, or
    /// cut off by the network without a reset), and postgres-nio waits for a reply as long as the socket is open.
    func workBound(statements: Int) -> Duration? {
        postgresWorkBound(statementTimeout: statementTimeout, statements: statements)
    }

    /// A pooled connection from `started`, waited for at most `connectionTimeout`; the store's pool learns whether
    /// one came, so that it can be replaced while it fails (`RenewablePostgresClient`).
    private func withLeasedConnection<T: Sendable>(
        from started: StartedPool, workBound: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let pool = self.pool
        do {
            return try await leaseConnection(from: started, within: connectionTimeout, workBound: workBound) { connection in
                pool.leaseSucceeded(from: started)
                return try await body(connection)
            }
        } catch StoreError.unavailable(let reason) {
            pool.leaseFailed(from: started)
            throw StoreError.unavailable(reason)
        }
    }
}

/// `PostgresConversationStore.workBound(statements:)`'s rule, for any pool working under `statementTimeout`.
func postgresWorkBound(statementTimeout: Duration, statements: Int) -> Duration? {
    guard statementTimeout > .zero else { return nil }
    return statementTimeout * max(statements, 1) + .seconds(2)
}

private enum Race<T: Sendable>: Sendable {
    case finished(T)
    case deadline
}

/// Runs `body` on a connection from `pool`, waiting at most `timeout` for it and working at most `workBound` on it.
///
/// postgres-nio's pool lets a request wait for a connection until its circuit breaker trips (a minute); we give up
/// after `timeout`. The work is not cancelled at the deadline (postgres-nio does not abort a running query on
/// cancellation, and a cancelled row stream could end early): it runs to its end, which `statement_timeout` bounds on
/// a server that answers, and closing the connection after `workBound` on one that does not.
func leaseConnection<T: Sendable>(
    from pool: StartedPool, within timeout: Duration, workBound: Duration?,
    _ body: @escaping @Sendable (PostgresConnection) async throws -> T
) async throws -> T {
    let gate = LeaseGate()
    return try await withThrowingTaskGroup(of: Race<T>.self) { group in
        group.addTask {
            .finished(
                try await pool.running().withConnection { connection in
                    // Lost the race against the deadline: hand the connection straight back.
                    guard gate.markLeased() else { throw CancellationError() }
                    return try await closingWhenOverdue(connection, after: workBound) { try await body(connection) }
                })
        }
        group.addTask {
            // Not Task.sleep: a cancelled one keeps its timer for the whole timeout (TimerSleep.swift).
            try? await TimerSleep.sleep(for: timeout)
            return .deadline
        }
        var timedOut = false
        do {
            while let outcome = try await group.next() {
                switch outcome {
                case .finished(let value):
                    group.cancelAll()
                    return value
                case .deadline:
                    // Our caller gave up (the sleep ends early when cancelled): that says nothing of the pool.
                    if Task.isCancelled {
                        group.cancelAll()
                        throw CancellationError()
                    }
                    // Cancel only a request still waiting for its connection.
                    if gate.markTimedOut() {
                        timedOut = true
                        group.cancelAll()
                    }
                }
            }
        } catch where timedOut && isWithdrawnRequest(error) {
            throw StoreError.unavailable("no database connection within \(timeout)")
        } catch where Task.isCancelled && isWithdrawnRequest(error) {
            throw CancellationError()
        }
        throw StoreError.unavailable("no database connection within \(timeout)")
    }
}

/// Runs `work` on `connection`, closing the connection if the work is still running after `bound`: the query under
/// way then fails at once (as a lost connection, so the store answers 503 and may replace its pool), and the pool
/// opens a new connection in its place.
private func closingWhenOverdue<T>(
    _ connection: PostgresConnection, after bound: Duration?, _ work: () async throws -> T
) async throws -> T {
    guard let bound else { return try await work() }
    // An event-loop timer, cancelled when the work ends: no task, and nothing left queued (see TimerSleep).
    let watchdog = connection.eventLoop.scheduleTask(in: TimeAmount(bound)) {
        Task { try? await connection.close() }
    }
    defer { watchdog.cancel() }
    return try await work()
}

/// The ways a withdrawn connection request surfaces.
private func isWithdrawnRequest(_ error: any Error) -> Bool {
    switch error {
    case is CancellationError: true
    case let error where PostgresErrorKind.isPoolError(error): true
    case let error as PSQLError: error.code == .queryCancelled
    default: false
    }
}

/// Decides, once, whether an operation got its connection before its deadline.
private final class LeaseGate: Sendable {
    private enum State { case waiting, leased, timedOut }
    private let state = Locked(State.waiting)

    /// True if the connection came first.
    func markLeased() -> Bool { transition(to: .leased) }
    /// True if the deadline came first.
    func markTimedOut() -> Bool { transition(to: .timedOut) }

    private func transition(to next: State) -> Bool {
        state.withLock { current in
            guard case .waiting = current else { return false }
            current = next
            return true
        }
    }
}
