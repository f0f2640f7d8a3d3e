import HTTPTypes
import NIOCore
import SwitchboardStorage
import SwitchboardCore

/// HighLevel's limits (CONTRACT.md §8): a burst of `burst` requests per fixed window of `window`, and `daily`
/// requests per UTC day, counted per app and location. One server counts in memory; instances on a shared database
/// draw from the database's counters (`LeasedAllowances`).
public struct RateLimitPolicy: Sendable, Hashable {
    public var burst: Int
    public var window: Duration
    public var daily: Int

    public init(burst: Int = 100, window: Duration = .seconds(10), daily: Int = 200_000) {
        self.burst = burst
        self.window = window
        self.daily = daily
    }

    public static let highLevel = RateLimitPolicy()

    /// Seconds until a refused request may try again: the day's end when the daily quota is spent and the burst is
    /// not, else the window's end (at least 1).
    func retryAfterSeconds(windowLeftMilliseconds: Int64, usedInWindow: Int, usedToday: Int) -> Int {
        usedToday >= daily && usedInWindow < burst ? 86_400 : max(1, Int((windowLeftMilliseconds + 999) / 1000))
    }
}

/// The numbers HighLevel reports on every response, and whether this request may go on.
struct RateLimitState: Sendable {
    var allowed: Bool
    var burstRemaining: Int
    var dailyRemaining: Int
    /// Seconds until the exhausted window (burst or day) starts over.
    var retryAfterSeconds: Int
    let policy: RateLimitPolicy

    /// `X-RateLimit-*` as HighLevel names them (and `Retry-After` when refused).
    var headers: [(HTTPField.Name, String)] {
        var headers: [(HTTPField.Name, String)] = []
        forEachField { name, value in headers.append((name, String(value))) }
        return headers
    }

    /// `headers`, written straight into a response head (the hot path's): no array, no strings for the numbers.
    func writeHeaders(into head: inout ByteBuffer) {
        forEachField { name, value in
            head.writeString(name.rawName)
            head.writeStaticString(": ")
            head.writeDecimal(value)
            head.writeStaticString("\r\n")
        }
    }

    private func forEachField(_ body: (HTTPField.Name, Int) -> Void) {
        body(RateLimitHeader.limitDaily, policy.daily)
        body(RateLimitHeader.dailyRemaining, dailyRemaining)
        body(RateLimitHeader.intervalMilliseconds, Int(policy.window.wholeMilliseconds))
        body(RateLimitHeader.max, policy.burst)
        body(RateLimitHeader.remaining, burstRemaining)
        if !allowed { body(RateLimitHeader.retryAfter, retryAfterSeconds) }
    }
}

/// The header names, built once: `HTTPField.Name(_:)` validates its argument on every call.
enum RateLimitHeader {
    // Valid literal field names, so the unwraps cannot fail.
    static let limitDaily = HTTPField.Name("X-RateLimit-Limit-Daily")!
    static let dailyRemaining = HTTPField.Name("X-RateLimit-Daily-Remaining")!
    static let intervalMilliseconds = HTTPField.Name("X-RateLimit-Interval-Milliseconds")!
    static let max = HTTPField.Name("X-RateLimit-Max")!
    static let remaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let retryAfter = HTTPField.Name("Retry-After")!
}

/// Fixed windows: the first request of a key opens a window; the `burst + 1`-th request inside it is refused,
/// and the window starts over once it has lasted `window`. Counted here, or, with a ledger, shared by every instance.
final class RateLimiter: Sendable {
    private struct Counters {
        var windowStart: ContinuousClock.Instant
        var inWindow: Int
        var day: Int64
        var today: Int
    }

    let policy: RateLimitPolicy
    private let counters = Locked<[String: Counters]>([:])
    /// The test clock, when on: its moves move the windows and the day too.
    private let testClock: TestClock?
    /// The cluster's shared counters, when instances share a database.
    private let leases: LeasedAllowances?

    init(policy: RateLimitPolicy, testClock: TestClock? = nil, leases: LeasedAllowances? = nil) {
        self.policy = policy
        self.testClock = testClock
        self.leases = leases
    }

    /// Counts one request for `key` now; the daily quota follows the UTC day of the wall clock (or the test clock).
    /// nil only with shared counters, when this instance must lease first: the hot path then leaves the request to
    /// the router, whose `admitWaiting` does.
    func admitAtOnce(_ key: String, now: ContinuousClock.Instant = .now) -> RateLimitState? {
        if let leases {
            let time = wallClock
            return leases.admitAtOnce(key, now: time, day: time / 86_400_000)
        }
        return admitHere(key, now: now)
    }

    /// Counts one request for `key` now, leasing from the shared counters when needed.
    func admitWaiting(_ key: String) async throws -> RateLimitState {
        if let leases {
            let time = wallClock
            return try await leases.admitWaiting(key, now: time, day: time / 86_400_000)
        }
        return admitHere(key, now: .now)
    }

    /// Counted in this process's own counters.
    private func admitHere(_ key: String, now: ContinuousClock.Instant) -> RateLimitState {
        guard let testClock else { return admit(key, now: now, day: Timestamp.now().rawValue / 86_400_000) }
        return admit(key, now: now + testClock.offset, day: testClock.now().rawValue / 86_400_000)
    }

    /// Milliseconds since 1970 on the test clock, or the wall clock.
    private var wallClock: Int64 { (testClock?.now() ?? Timestamp.now()).rawValue }

    /// Every count starts over (a reset), the shared ones too.
    func forgetAll() async throws {
        counters.withLock { $0 = [:] }
        try await leases?.forgetAll()
    }

    /// Counts one request for `key` at `now` (`day` is the UTC day number, for the daily quota).
    func admit(_ key: String, now: ContinuousClock.Instant, day: Int64) -> RateLimitState {
        counters.withLock { counters in
            var entry = counters[key] ?? Counters(windowStart: now, inWindow: 0, day: day, today: 0)
            if now - entry.windowStart >= policy.window {
                entry.windowStart = now
                entry.inWindow = 0
            }
            if entry.day != day {
                entry.day = day
                entry.today = 0
            }
            let allowed = entry.inWindow < policy.burst && entry.today < policy.daily
            if allowed {
                entry.inWindow += 1
                entry.today += 1
            }
            counters[key] = entry
            let retryAfter = policy.retryAfterSeconds(
                windowLeftMilliseconds: (policy.window - (now - entry.windowStart)).wholeMilliseconds,
                usedInWindow: entry.inWindow, usedToday: entry.today)
            return RateLimitState(
                allowed: allowed, burstRemaining: policy.burst - entry.inWindow,
                dailyRemaining: policy.daily - entry.today, retryAfterSeconds: retryAfter, policy: policy)
        }
    }
}
