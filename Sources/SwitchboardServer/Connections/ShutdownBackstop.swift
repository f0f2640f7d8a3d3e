import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Ends the process if a graceful shutdown overruns its grace period by `margin`.
///
/// The service group cancels whatever is still running once the grace period is over, and nearly always that ends
/// the process at once. Work that does not answer cancellation (a driver waiting on a database that stopped
/// answering mid-shutdown, once in CI) would keep it alive with its port open; a supervisor's SIGTERM must not wait
/// on that. Run last among the group's services, so that it hears of the shutdown first.
final class ShutdownBackstop: Service, Sendable {
    let gracePeriod: Duration
    let margin: Duration
    private let logger: Logger
    /// What to do when time is up; the server exits with status 1.
    private let whenOverdue: @Sendable () -> Void
    private let disarmed = Locked(false)

    init(
        gracePeriod: Duration, margin: Duration = .seconds(5), logger: Logger,
        whenOverdue: @escaping @Sendable () -> Void = { fflush(nil); _exit(1) }
    ) {
        self.gracePeriod = gracePeriod
        self.margin = margin
        self.logger = logger
        self.whenOverdue = whenOverdue
    }

    func run() async throws {
        // Returns when the shutdown begins (or when the group is cancelled, which ends the process too).
        try? await gracefulShutdown()
        let limit = gracePeriod + margin
        // A timer on a queue, not a task: the group's tasks are what may be stuck.
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(limit.wholeNanoseconds))) {
            [logger, whenOverdue, disarmed] in
            guard !disarmed.withLock({ $0 }) else { return }
            logger.critical("shutdown did not finish within \(limit.compactDescription); exiting now")
            whenOverdue()
        }
    }

    /// The group has ended: nothing is overdue.
    func disarm() {
        disarmed.withLock { $0 = true }
    }
}
