import Logging
import SwitchboardCore
import SwitchboardStorage

/// The requests this instance may admit of each key's shared budget (a `RateLimitLedger`): leased in small blocks,
/// spent here without a round trip, the next block leased in the background once half of one is spent, so the hot
/// path rarely waits. The ledger grants no more than the limits, so the cluster never admits more than one server
/// would; what one instance has leased and not yet spent when another is refused is admitted late, not over.
final class LeasedAllowances: Sendable {
    /// One key's leased requests in the window the ledger last reported.
    private struct Allowance {
        var windowStart: Int64
        var day: Int64
        var unspent: Int
        /// The cluster's counts as of the last lease (this instance's unspent requests included).
        var windowUsed: Int
        var dayUsed: Int
        /// The ledger granted nothing in this window: every request is refused until it ends.
        var exhausted: Bool
        var refilling = false
    }

    let policy: RateLimitPolicy
    private let ledger: any RateLimitLedger
    private let logger: Logger
    /// The most one lease asks for: a tenth of the burst, between 1 and 1,000.
    let block: Int
    private let allowances = Locked<[String: Allowance]>([:])

    init(policy: RateLimitPolicy, ledger: any RateLimitLedger, logger: Logger) {
        self.policy = policy
        self.ledger = ledger
        self.logger = logger
        block = min(max(policy.burst / 10, 1), 1_000)
    }

    private var windowMilliseconds: Int64 { policy.window.wholeMilliseconds }

    /// Admits or refuses a request of `key` from what this instance holds; nil when it holds nothing for the
    /// current window and day (`admitWaiting` leases). `now` in milliseconds since 1970.
    func admitAtOnce(_ key: String, now: Int64, day: Int64) -> RateLimitState? {
        let (state, refill) = allowances.withLock { allowances -> (RateLimitState?, Bool) in
            guard var allowance = allowances[key], now - allowance.windowStart < windowMilliseconds,
                allowance.day == day
            else { return (nil, false) }
            if allowance.unspent == 0 {
                guard allowance.exhausted else { return (nil, false) }
                return (refused(allowance, now: now), false)
            }
            allowance.unspent -= 1
            let refill = !allowance.refilling && !allowance.exhausted && allowance.unspent < (block + 1) / 2
            if refill { allowance.refilling = true }
            allowances[key] = allowance
            return (allowed(allowance), refill)
        }
        if refill {
            Task { [self] in try? await lease(key, now: now, day: day, takingOne: false) }
        }
        return state
    }

    /// Admits or refuses a request of `key`, leasing from the ledger when this instance holds nothing.
    func admitWaiting(_ key: String, now: Int64, day: Int64) async throws -> RateLimitState {
        if let state = admitAtOnce(key, now: now, day: day) { return state }
        return try await lease(key, now: now, day: day, takingOne: true)
    }

    /// Leases a block for `key`; with `takingOne`, one of its requests is this request's (refused when none).
    @discardableResult
    private func lease(_ key: String, now: Int64, day: Int64, takingOne: Bool) async throws -> RateLimitState {
        let request = RateLimitLeaseRequest(
            key: key, now: now, windowMilliseconds: windowMilliseconds, burst: policy.burst, day: day,
            daily: policy.daily, wanted: block)
        let lease: RateLimitLease
        do {
            lease = try await ledger.lease(request, logger: logger)
        } catch {
            allowances.withLock { $0[key]?.refilling = false }
            throw error
        }
        return allowances.withLock { allowances in
            var allowance: Allowance
            if let held = allowances[key], lease.windowStart < held.windowStart {
                // Back after a lease of a newer window: its unspent requests are void, what this instance holds stays.
                guard takingOne else { return allowed(held) }
                return lease.granted > 0 ? allowed(held) : refused(held, now: now)
            }
            if var held = allowances[key], held.windowStart == lease.windowStart, held.day == day {
                held.unspent += lease.granted
                held.windowUsed = max(held.windowUsed, lease.windowUsed)
                held.dayUsed = max(held.dayUsed, lease.dayUsed)
                allowance = held
            } else {
                allowance = Allowance(
                    windowStart: lease.windowStart, day: day, unspent: lease.granted, windowUsed: lease.windowUsed,
                    dayUsed: lease.dayUsed, exhausted: false)
            }
            allowance.exhausted = lease.granted == 0
            allowance.refilling = false
            var state: RateLimitState
            if takingOne, allowance.unspent > 0 {
                allowance.unspent -= 1
                state = allowed(allowance)
            } else {
                state = takingOne ? refused(allowance, now: now) : allowed(allowance)
            }
            allowances[key] = allowance
            return state
        }
    }

    /// Every count starts over, here and in the ledger (a reset).
    func forgetAll() async throws {
        allowances.withLock { $0 = [:] }
        try await ledger.forgetAllRateLimits(logger: logger)
    }

    /// What is left is what nobody has leased, and what this instance holds.
    private func allowed(_ allowance: Allowance) -> RateLimitState {
        RateLimitState(
            allowed: true, burstRemaining: max(policy.burst - allowance.windowUsed + allowance.unspent, 0),
            dailyRemaining: max(policy.daily - allowance.dayUsed + allowance.unspent, 0), retryAfterSeconds: 0,
            policy: policy)
    }

    private func refused(_ allowance: Allowance, now: Int64) -> RateLimitState {
        RateLimitState(
            allowed: false, burstRemaining: max(policy.burst - allowance.windowUsed, 0),
            dailyRemaining: max(policy.daily - allowance.dayUsed, 0),
            retryAfterSeconds: policy.retryAfterSeconds(
                windowLeftMilliseconds: windowMilliseconds - (now - allowance.windowStart),
                usedInWindow: allowance.windowUsed, usedToday: allowance.dayUsed),
            policy: policy)
    }
}
