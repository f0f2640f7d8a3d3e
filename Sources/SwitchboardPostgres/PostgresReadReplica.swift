public import Logging
import PostgresNIO
public import SwitchboardCore
public import SwitchboardStorage

/// A streaming replica of the store's database (`serve --read-database`) that answers page and message reads,
/// never one that would miss a change this instance acknowledged or heard of (see `ReplicaFences`).
///
/// Its monitor reads the primary's WAL position after each batch of changes, and the replica's replay position while
/// a change waits for it (every 2 ms) and once a second otherwise. A replica that cannot be read, is behind, or is
/// not a replica at all (`pg_is_in_recovery()` false) answers nothing: the primary does, and the replica is used
/// again once the monitor sees it replaying.
public final class PostgresReadReplica: ReplicaReads, Sendable {
    let pool: RenewablePostgresClient
    /// How long a read waits for a replica connection before the primary answers it instead.
    let connectionTimeout: Duration
    let statementTimeout: Duration
    private let fences = Locked(ReplicaFences())
    private let wake = Doorbell()
    private let observer = Locked<(@Sendable (Bool) -> Void)?>(nil)
    private let logger: Logger

    /// How often the replay position is read while a change waits for it, and otherwise.
    static let catchUpInterval: Duration = .milliseconds(2)
    static let idleInterval: Duration = .seconds(1)

    init(options: PostgresOptions, backgroundLogger: Logger) {
        connectionTimeout = min(options.connectionTimeout, .milliseconds(500))
        statementTimeout = options.statementTimeout
        logger = backgroundLogger
        pool = RenewablePostgresClient(options: options, logger: backgroundLogger)
    }

    // MARK: ReplicaReads

    public func committed(_ conversations: Set<ConversationID>) {
        guard !conversations.isEmpty else { return }
        fences.withLock { $0.pin(conversations) }
        wake.ring()
    }

    public func committedAnything() {
        fences.withLock { $0.pinEverything() }
        wake.ring()
    }

    public func hearsEveryWriter(_ hearing: Bool) {
        fences.withLock { $0.hear(hearing) }
        wake.ring()
    }

    public func reportReads(to observer: @escaping @Sendable (Bool) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    // MARK: Reads

    /// Runs `body` on the replica if it may answer a read of `conversation` (nil: of any conversation) now, and
    /// returns nil when it may not or could not: the caller then reads the primary.
    func read<T: Sendable>(
        _ operation: String, of conversation: ConversationID?, logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async -> T? {
        let allowed = fences.withLock { conversation.map($0.mayRead) ?? $0.mayReadAny }
        guard allowed else {
            report(byReplica: false)
            return nil
        }
        let leasedFrom = pool.current
        do {
            let result = try await leaseConnection(
                from: leasedFrom, within: connectionTimeout,
                workBound: postgresWorkBound(statementTimeout: statementTimeout, statements: 1)
            ) { connection in try await body(connection) }
            pool.leaseSucceeded(from: leasedFrom)
            report(byReplica: true)
            return result
        } catch is CancellationError {
            // The request was given up: nothing to learn of the replica.
            return nil
        } catch let error as SwitchboardError {
            // A refusal (an unknown cursor, say) is the primary's to make: the replica may be missing what it names.
            logger.debug("replica read refused, asking the primary", metadata: ["operation": "\(operation)", "error": "\(error)"])
        } catch {
            pool.leaseFailed(from: leasedFrom)
            // Until the monitor, woken now, sees it replaying again.
            fences.withLock { $0.replayed(to: nil) }
            wake.ring()
            logger.warning(
                "replica read failed, reading the primary", metadata: ["operation": "\(operation)", "error": "\(String(reflecting: error))"])
        }
        report(byReplica: false)
        return nil
    }

    private func report(byReplica: Bool) {
        observer.withLock { $0 }?(byReplica)
    }

    // MARK: Monitor

    /// Runs the replica's pool and the monitor until cancelled. `primaryPosition` reads the primary's WAL position.
    func run(primaryPosition: @escaping @Sendable (Logger) async throws -> UInt64) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pool.run() }
            group.addTask { await self.monitor(primaryPosition: primaryPosition) }
        }
    }

    private func monitor(primaryPosition: @Sendable (Logger) async throws -> UInt64) async {
        var reportedUnusable: String?
        while !Task.isCancelled {
            let taken = fences.withLock { $0.needsFence ? $0.takeUnfenced() : nil }
            if let taken {
                do {
                    let position = try await primaryPosition(logger)
                    fences.withLock { $0.fence(taken, at: position) }
                } catch {
                    fences.withLock { $0.restore(taken) }
                }
            }
            let replayed: UInt64?
            do {
                replayed = try await replayPosition()
                if reportedUnusable != nil {
                    logger.notice("the read replica answers reads again")
                    reportedUnusable = nil
                }
            } catch {
                replayed = nil
                let reason = (error as? ReplicaUnusable)?.description ?? String(reflecting: error)
                if reportedUnusable != reason {
                    logger.warning("the read replica answers no reads: \(reason)")
                    reportedUnusable = reason
                }
            }
            let waiting = fences.withLock { fences in
                fences.replayed(to: replayed)
                return fences.waitsForReplay
            }
            if replayed == nil {
                try? await TimerSleep.sleep(for: connectionTimeout)
            } else if waiting {
                try? await TimerSleep.sleep(for: Self.catchUpInterval)
            } else {
                await waitForChange(upTo: Self.idleInterval)
            }
        }
    }

    /// Returns at the next change, or after `limit`.
    private func waitForChange(upTo limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wake.wait() }
            group.addTask { try? await TimerSleep.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The read database is reachable and is not a streaming replica.
    public struct ReplicaUnusable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The replica's replay position; throws when it cannot be read, or is not a replica.
    func replayPosition() async throws -> UInt64 {
        let leasedFrom = pool.current
        do {
            let position = try await leaseConnection(
                from: leasedFrom, within: connectionTimeout, workBound: connectionTimeout + .seconds(1)
            ) { [logger] connection in
                var position: Int64?
                for try await value in try await connection.query(
                    "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8", logger: logger
                ).decode(Int64?.self) {
                    position = value
                }
                return position
            }
            pool.leaseSucceeded(from: leasedFrom)
            guard let position, position >= 0 else {
                throw ReplicaUnusable(description: "it is not a streaming replica (pg_is_in_recovery() is false)")
            }
            return UInt64(position)
        } catch let error as ReplicaUnusable {
            throw error
        } catch {
            pool.leaseFailed(from: leasedFrom)
            throw error
        }
    }
}

extension PostgresConversationStore {
    /// The primary's WAL position now: at or past the commit record of every transaction committed before.
    func primaryPosition(logger: Logger) async throws -> UInt64 {
        let positions = try await fetch(
            "walPosition", "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8", logger: logger
        ) { row in try row.decode(Int64.self) }
        guard let position = positions.first, position >= 0 else { return 0 }
        return UInt64(position)
    }

    /// Checks, before the server starts, that the read database is a streaming replica, so that a wrong URL (a
    /// second primary, which would answer from other data) is refused rather than read from.
    public func checkReadReplica(logger: Logger) async throws {
        guard let readReplica else { return }
        do {
            _ = try await readReplica.replayPosition()
        } catch let error as PostgresReadReplica.ReplicaUnusable {
            throw error
        } catch {
            // Unreachable now: the primary answers until it can be read.
            logger.warning("the read replica cannot be reached yet; the primary answers every read until it can")
        }
    }
}
