import SwitchboardCore
import ArgumentParser
import SwitchboardServer

/// `serve`'s webhook options: how this server delivers the outbox.
struct WebhookServeOptions: ParsableArguments {
    enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }
    enum RetryClass: String, ExpressibleByArgument, CaseIterable {
        /// HighLevel's: 429 and no answer only.
        case highlevel
        /// Also every 5xx.
        case _5xx = "5xx"
    }

    @Option(name: .customLong("webhooks"), help: "Deliver webhooks from this server: on or off (events are stored either way).")
    var enabled: Switch = .on
    @Option(name: .customLong("webhook-concurrency"), help: "Deliveries in flight at once.")
    var concurrency = 8
    @Option(name: .customLong("webhook-timeout"), help: "How long one attempt may take (e.g. 10s, 500ms).")
    var timeout = DurationArgument(.seconds(10))
    @Option(name: .customLong("webhook-retry-interval"), help: "Wait between attempts, plus up to 10% jitter (e.g. 10m, 200ms).")
    var retryInterval = DurationArgument(.seconds(600))
    @Option(name: .customLong("webhook-max-attempts"), help: "Attempts in all, the first included.")
    var maxAttempts = 6
    @Option(name: .customLong("webhook-retry"), help: "What is retried besides no answer and 429: highlevel (nothing else) or 5xx.")
    var retry: RetryClass = .highlevel
    @Option(name: .customLong("webhook-rsa"), help: "Also sign with HighLevel's legacy RSA scheme (x-wh-signature): on or off.")
    var rsa: Switch = .on
    @Option(name: .customLong("webhook-retention"), help: "How long delivered events are kept (e.g. 7d, 12h).")
    var retention = DurationArgument(.seconds(7 * 86_400))

    func validate() throws {
        if concurrency < 1 { throw ValidationError("--webhook-concurrency must be at least 1") }
        if maxAttempts < 1 { throw ValidationError("--webhook-max-attempts must be at least 1") }
        if timeout.value <= .zero || retryInterval.value <= .zero {
            throw ValidationError("--webhook-timeout and --webhook-retry-interval must be positive")
        }
        if timeout.value > .seconds(3_600) { throw ValidationError("--webhook-timeout is at most 1h") }
        if retryInterval.value > .seconds(86_400) { throw ValidationError("--webhook-retry-interval is at most 1d") }
        if retention.value > .seconds(3_650 * 86_400) { throw ValidationError("--webhook-retention is at most 3650d") }
    }

    func apply(to configuration: inout WebhookDeliveryConfiguration) {
        configuration.enabled = enabled == .on
        configuration.concurrency = concurrency
        configuration.timeout = timeout.value
        configuration.retry.interval = retryInterval.value
        configuration.retry.maximumAttempts = maxAttempts
        configuration.retry.retriesServerErrors = retry == ._5xx
        configuration.rsaSignature = rsa == .on
        configuration.retention = retention.value
    }
}

/// A duration written as a number and a unit: `200ms`, `10s`, `10m`, `12h`, `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let value: Duration

    init(_ value: Duration) { self.value = value }

    init?(argument: String) {
        guard let value = Duration(compact: argument, maximumAmount: 1_000_000_000) else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { value.compactDescription }
}
