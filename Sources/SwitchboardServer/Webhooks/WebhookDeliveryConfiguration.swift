import Foundation
public import SwitchboardCore
public import SwitchboardStorage

/// How this server delivers the outbox's events (`serve --webhook-…`).
public struct WebhookDeliveryConfiguration: Sendable {
    /// Whether this server delivers at all. Events are written to the outbox either way: another instance, or a
    /// later start, delivers them.
    public var enabled = true
    /// Deliveries in flight at once.
    public var concurrency = 8
    /// How many of a conversation's deliveries one claim leases, sent one after another in one slot: a backlog is
    /// drained with a claim and a record per run of them, not per delivery.
    var runLength = 16
    /// How long one attempt may take, from connecting to the end of the answer; running out is a connection failure.
    public var timeout: Duration = .seconds(10)
    public var retry = WebhookRetryPolicy()
    /// Whether deliveries also carry HighLevel's legacy RSA signature (`x-wh-signature`).
    public var rsaSignature = true
    /// Delivered events are pruned after this long.
    public var retention: Duration = .seconds(7 * 86_400)
    /// How often the outbox is read for events nobody rang about (written by another process or instance).
    public var pollInterval: Duration = .milliseconds(500)
    /// How often the signing keys are read again, so a rotation takes effect without a restart.
    public var keyRefreshInterval: Duration = .seconds(2)
    /// The nice value of the threads that sign deliveries: on a machine the API keeps busy, signing takes the time
    /// the API leaves, and catches up once it is idle.
    var deliveryNiceness: Int32 = 5

    public init() {}

    /// How long a claimed delivery stays leased: the attempt's timeout and as long again (at most 20 s) to record its
    /// outcome; after that another instance, or the next start, takes it over (its deliverer died). With the default
    /// timeout that is 20 s.
    var lease: Duration { timeout + min(timeout, .seconds(20)) }
}

/// When a failed attempt is tried again. HighLevel's policy by default: only a 429 or no answer at all (refused,
/// reset, timed out) is retried, every ten minutes plus jitter, six attempts in all; a 5xx is final unless asked.
public struct WebhookRetryPolicy: Sendable, Hashable {
    public var interval: Duration = .seconds(600)
    /// Attempts in all, the first included.
    public var maximumAttempts = 6
    /// Retry 5xx answers too (`--webhook-retry 5xx`).
    public var retriesServerErrors = false
    /// Up to this fraction of the interval is added at random to each wait, so retries of many events spread out.
    public var jitter = 0.1

    public init() {}

    /// What follows the `attempt`-th attempt (counting from 1), answered with `status` (nil: no answer) and, for a
    /// 429, `retryAfter`; `random` in 0..<1 draws the jitter.
    public func outcome(
        attempt: Int, status: Int?, retryAfter: Duration?, now: Timestamp, random: Double
    ) -> (outcome: WebhookAttempt.Outcome, next: Timestamp?) {
        if let status, (200..<300).contains(status) { return (.delivered, nil) }
        let retryable =
            switch status {
            case nil, 429: true
            case .some(let code): retriesServerErrors && code >= 500
            }
        guard retryable, attempt < maximumAttempts else { return (.dead, nil) }
        var wait = min(interval, Self.longestWait)
        wait += wait * (jitter * min(max(random, 0), 1))
        // A receiver that asks for a longer pause gets it (up to a day: the header is the receiver's to choose).
        if status == 429, let retryAfter, retryAfter > wait { wait = min(retryAfter, Self.longestWait) }
        return (.retry, Timestamp(rawValue: now.rawValue + wait.wholeMilliseconds))
    }

    /// The longest wait between attempts, whatever the options or a receiver's `Retry-After` say.
    static let longestWait: Duration = .seconds(86_400)

    /// A `Retry-After` header's delay: whole seconds (the HTTP-date form is not read); nil for anything else.
    public static func retryAfter(_ header: String) -> Duration? {
        guard let seconds = Int64(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(min(seconds, 86_400))
    }
}

