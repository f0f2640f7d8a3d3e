import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Removes abandoned uploads (`UploadRules.abandonedAfterMilliseconds`) and their bytes every few minutes, so that
/// uploads nobody finished do not grow the store. The control API sweeps at once when the test clock moves.
/// Several instances on one database may sweep together: each file is removed once.
final class UploadSweeper: Service, Sendable {
    private let store: any FileStore
    private let now: @Sendable () -> Timestamp
    private let logger = Logger(label: "switchboard.upload-sweeper")
    static let interval: Duration = .seconds(300)
    /// Files removed in one transaction, so no sweep holds the writer for long.
    static let batch = 500

    init(store: any FileStore, now: @escaping @Sendable () -> Timestamp) {
        self.store = store
        self.now = now
    }

    func run() async throws {
        // The first sweep after a minute: the store is migrated by then, and a start is not slowed by it.
        await repeatUntilShutdown(
            first: .seconds(60), every: Self.interval, logger: logger, failure: "abandoned uploads not removed yet"
        ) {
            let swept = try await self.sweep()
            if swept > 0 { self.logger.info("abandoned uploads removed", metadata: ["files": "\(swept)"]) }
        }
    }

    /// Removes every upload abandoned by now; how many.
    @discardableResult
    func sweep() async throws -> Int {
        let cutoff = Timestamp(rawValue: now().rawValue - UploadRules.abandonedAfterMilliseconds)
        var swept = 0
        while true {
            let removed = try await store.sweepAbandonedUploads(recordedBefore: cutoff, limit: Self.batch, logger: logger)
            swept += removed
            if removed < Self.batch || Task.isCancelled { return swept }
        }
    }
}
