import SwitchboardCore

/// When and how long to wait before sending a request again.
///
/// Retried: 429, 502, 503, 504, and connection failures. Waits honour `Retry-After`, then an exhausted burst window
/// (`X-RateLimit-Remaining: 0` → `X-RateLimit-Interval-Milliseconds`), then exponential backoff with jitter.
/// Bounded by `maximumAttempts` and by `maximumTotalWait`, the sum of all waits.
///
/// A request that may create something (`POST` send, inbound, outbound, conversation, contact) is sent again only
/// when the failure proves it was not acted on: the connection was never made, or a 429 refused it.
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first included; 1 disables retries.
    public var maximumAttempts: Int
    /// The first backoff; each later one is `multiplier` times longer, up to `maximumBackoff`.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    public var multiplier: Double
    /// The most time spent waiting between attempts, all waits together. A server asking for a longer wait than is
    /// left gets its error passed on instead.
    public var maximumTotalWait: Duration
    /// Statuses worth another attempt.
    public var retryableStatuses: Set<Int>
    /// How a wait happens; tests replace it to record waits instead of sleeping.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A random number in `0..<1` for jitter; tests make it deterministic.
    public var random: @Sendable () -> Double

    public init(
        maximumAttempts: Int = 4, initialBackoff: Duration = .milliseconds(500), maximumBackoff: Duration = .seconds(20),
        multiplier: Double = 2, maximumTotalWait: Duration = .seconds(60),
        retryableStatuses: Set<Int> = [429, 502, 503, 504],
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.multiplier = multiplier
        self.maximumTotalWait = maximumTotalWait
        self.retryableStatuses = retryableStatuses
        self.sleep = sleep
        self.random = random
    }

    public static var `default`: RetryPolicy { RetryPolicy() }

    /// Every request is sent once.
    public static var never: RetryPolicy { RetryPolicy(maximumAttempts: 1) }

    /// What went wrong with one attempt.
    enum Failure {
        case status(Int, RateLimitStatus)
        case transport(TransportFailure)
    }

    /// The wait before attempt `attempt + 1`, or nil to give up.
    /// - Parameters:
    ///   - attempt: attempts made so far (1 after the first).
    ///   - waited: total already waited.
    ///   - mayCreate: the request may create something, so it must not be repeated once the server may have acted.
    func delay(after failure: Failure, attempt: Int, waited: Duration, mayCreate: Bool) -> Duration? {
        guard attempt < maximumAttempts else { return nil }
        let wait: Duration
        switch failure {
        case .status(let status, let rateLimit):
            guard retryableStatuses.contains(status) else { return nil }
            // A 429 says the request was refused before anything happened; a 5xx may come after it was acted on.
            if mayCreate, status != 429 { return nil }
            if status == 429, rateLimit.isDailyBudgetExhausted, rateLimit.retryAfter == nil { return nil }
            wait = serverRequestedDelay(rateLimit) ?? backoff(attempt: attempt)
        case .transport(let transport):
            switch transport {
            case .notSent: break
            case .maybeSent: if mayCreate { return nil }
            case .fatal: return nil
            }
            wait = backoff(attempt: attempt)
        }
        guard waited + wait <= maximumTotalWait else { return nil }
        return wait
    }

    /// `Retry-After` wins; otherwise an exhausted burst window means waiting the window out (CONTRACT.md §8).
    func serverRequestedDelay(_ rateLimit: RateLimitStatus) -> Duration? {
        if let retryAfter = rateLimit.retryAfter { return retryAfter }
        if let remaining = rateLimit.burstRemaining, remaining <= 0, let interval = rateLimit.interval { return interval }
        return nil
    }

    /// Exponential backoff with "equal jitter": half the step is fixed, half random, so waits never collapse to 0
    /// and many clients hitting the same limit spread out.
    func backoff(attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let base = Double(initialBackoff.wholeMilliseconds) * pow(multiplier, exponent)
        let capped = min(base, Double(maximumBackoff.wholeMilliseconds))
        let jittered = capped / 2 + capped / 2 * min(max(random(), 0), 1)
        return .milliseconds(Int64(jittered.rounded()))
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
