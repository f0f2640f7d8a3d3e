public import Logging

/// The rate-limit counters every instance on a shared database draws from, so that N instances together allow
/// HighLevel's limits once, not N times. An instance leases a few requests at a time and spends them without asking
/// again; the ledger never grants more than the window's burst and the day's quota, so the cluster never goes over.
/// PostgreSQL keeps it (an unlogged table: counts of a crashed cluster need not survive); SQLite has one server,
/// which counts in memory.
public protocol RateLimitLedger: Sendable {
    /// Grants up to `request.wanted` requests of `key`'s current window and day (none once either is spent).
    func lease(_ request: RateLimitLeaseRequest, logger: Logger) async throws -> RateLimitLease

    /// Every count starts over (a reset).
    func forgetAllRateLimits(logger: Logger) async throws
}

/// What an instance asks of the ledger: the key (app and location), its clock, and the policy.
public struct RateLimitLeaseRequest: Sendable, Hashable {
    public var key: String
    /// Milliseconds since 1970 (the instance's clock, or its test clock): a window lasts `windowMilliseconds`
    /// from the first request after the previous one ended.
    public var now: Int64
    public var windowMilliseconds: Int64
    public var burst: Int
    /// The UTC day number, and the requests allowed in one.
    public var day: Int64
    public var daily: Int
    public var wanted: Int

    public init(key: String, now: Int64, windowMilliseconds: Int64, burst: Int, day: Int64, daily: Int, wanted: Int) {
        self.key = key
        self.now = now
        self.windowMilliseconds = windowMilliseconds
        self.burst = burst
        self.day = day
        self.daily = daily
        self.wanted = wanted
    }
}

/// What the ledger granted, and the cluster's counts once it did.
public struct RateLimitLease: Sendable, Hashable {
    public var granted: Int
    /// When the current window began (milliseconds since 1970).
    public var windowStart: Int64
    /// Requests of the window and of the day granted to any instance, this lease's included.
    public var windowUsed: Int
    public var dayUsed: Int

    public init(granted: Int, windowStart: Int64, windowUsed: Int, dayUsed: Int) {
        self.granted = granted
        self.windowStart = windowStart
        self.windowUsed = windowUsed
        self.dayUsed = dayUsed
    }
}
