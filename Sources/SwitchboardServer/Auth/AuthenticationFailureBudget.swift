import SwitchboardCore
import HTTPTypes
import SwitchboardStorage

/// How many failed authentications one client address may make per window.
public struct AuthenticationFailurePolicy: Sendable, Hashable {
    public var failures: Int
    public var window: Duration

    public init(failures: Int = 100, window: Duration = .seconds(10)) {
        self.failures = failures
        self.window = window
    }
}

/// Failed authentications allowed per client address: `failures` per fixed window of `window`. Past it, the address
/// is answered 429 (HighLevel's shape, with `Retry-After`) before its credential is even looked at, so guessing
/// tokens or client secrets, or flooding the store with lookups of garbage tokens, costs the guesser and not the
/// server. Addresses are remembered in a bounded LRU, so a scan from many addresses cannot grow memory either.
final class AuthenticationFailureBudget: Sendable {
    typealias Policy = AuthenticationFailurePolicy

    private struct Window {
        var start: ContinuousClock.Instant
        var failures: Int
    }

    let policy: Policy
    private let windows = Locked(LRUDictionary<String, Window>(maximumCount: 10_000))

    init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Throws 429 when `address` has used up its failures in the current window.
    func check(_ address: String?, now: ContinuousClock.Instant = .now) throws(AuthenticationThrottled) {
        guard let address else { return }
        let retryAfter: Int? = windows.withLock { windows in
            guard let window = windows.peek(address), now - window.start < policy.window,
                window.failures >= policy.failures
            else { return nil }
            let left = policy.window - (now - window.start)
            return max(1, Int((left.wholeMilliseconds + 999) / 1000))
        }
        if let retryAfter { throw AuthenticationThrottled(retryAfterSeconds: retryAfter) }
    }

    /// Counts one failed authentication from `address`.
    func recordFailure(_ address: String?, now: ContinuousClock.Instant = .now) {
        guard let address else { return }
        windows.withLock { windows in
            var window = windows.value(forKey: address) ?? Window(start: now, failures: 0)
            if now - window.start >= policy.window { window = Window(start: now, failures: 0) }
            window.failures += 1
            windows.insert(window, forKey: address)
        }
    }
}

/// An address that failed to authenticate too often: 429 `Too Many Requests` with `Retry-After`.
struct AuthenticationThrottled: Error {
    let retryAfterSeconds: Int
    var headers: [(HTTPField.Name, String)] { [(RateLimitHeader.retryAfter, String(retryAfterSeconds))] }
}
