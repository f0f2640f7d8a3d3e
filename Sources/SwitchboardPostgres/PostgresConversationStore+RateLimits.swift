public import Logging
import PostgresNIO
public import SwitchboardStorage

/// The shared rate-limit ledger: one call of `switchboard_rate_limit_lease` per lease (migration 014).
extension PostgresConversationStore: RateLimitLedger {
    public func lease(_ request: RateLimitLeaseRequest, logger: Logger) async throws -> RateLimitLease {
        let rows = try await fetch(
            "rateLimitLease",
            """
            SELECT granted, granted_window_start, granted_window_used, granted_day_used
            FROM switchboard_rate_limit_lease(\(request.key), \(request.now), \(request.windowMilliseconds),
                \(Int32(clamping: request.burst)), \(request.day), \(Int32(clamping: request.daily)),
                \(Int32(clamping: request.wanted)))
            """, logger: logger
        ) { row in
            let (granted, start, windowUsed, dayUsed) = try row.decode((Int32, Int64, Int32, Int32).self)
            return RateLimitLease(
                granted: Int(granted), windowStart: start, windowUsed: Int(windowUsed), dayUsed: Int(dayUsed))
        }
        guard let lease = rows.first else { throw StoreError.unavailable("the rate-limit lease returned no row") }
        return lease
    }

    public func forgetAllRateLimits(logger: Logger) async throws {
        try await execute("forgetAllRateLimits", "DELETE FROM rate_limit_counters", logger: logger)
    }
}
