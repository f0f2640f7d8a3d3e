import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    /// Answers cached before the reset are of data that is gone.
    func reset(_ scope: ResetScope, logger: Logger) async throws {
        try await measure("reset") { try await base.reset(scope, logger: logger) }
        cache?.invalidateAll()
    }
    func latestMessageTime(logger: Logger) async throws -> Timestamp? {
        try await measure("latestMessageTime") { try await base.latestMessageTime(logger: logger) }
    }
}
