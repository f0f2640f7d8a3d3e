import SwitchboardCore
import Foundation
import Metrics
public import Prometheus
import SwitchboardStorage

/// The server's metrics, through swift-metrics into one Prometheus registry per application (never the global
/// `MetricsSystem`, so tests and several apps in one process do not share counters).
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let requestCounters = Locked<[String: Metrics.Counter]>([:])
    private let requestTimers = Locked<[String: Metrics.Timer]>([:])
    private let storeTimers = Locked<[String: Metrics.Timer]>([:])
    let messagesStored: Metrics.Counter
    let webhooks: WebhookMetrics
    /// On a shared database: whether the response cache serves (1) or waits for the change feed (0), and how
    /// often the feed was lost.
    private let cacheServing: Metrics.Gauge
    private let cacheFeedLost: Metrics.Counter
    /// With `--read-database`: the page and message reads the replica answered, and those the primary answered
    /// because the replica was behind, away, or not yet told the change was replayed.
    private let replicaReads: Metrics.Counter
    private let primaryReads: Metrics.Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
        factory.defaultDurationHistogramBuckets = fine
        self.factory = factory
        messagesStored = Metrics.Counter(label: "switchboard_messages_stored_total", factory: factory)
        webhooks = WebhookMetrics(factory: factory)
        cacheServing = Metrics.Gauge(label: "switchboard_cache_serving", factory: factory)
        cacheFeedLost = Metrics.Counter(label: "switchboard_cache_feed_lost_total", factory: factory)
        replicaReads = Metrics.Counter(
            label: "switchboard_replica_reads_total", dimensions: [("answered_by", "replica")], factory: factory)
        primaryReads = Metrics.Counter(
            label: "switchboard_replica_reads_total", dimensions: [("answered_by", "primary")], factory: factory)
    }

    /// The webhook dispatcher's: attempts by outcome, delivery latency, and the outbox's depth.
    struct WebhookMetrics: Sendable {
        let delivered: Metrics.Counter
        let retried: Metrics.Counter
        let dead: Metrics.Counter
        let latency: Metrics.Timer
        let outboxDepth: Metrics.Gauge

        init(factory: PrometheusMetricsFactory) {
            func attempts(_ outcome: String) -> Metrics.Counter {
                Metrics.Counter(
                    label: "switchboard_webhook_attempts_total", dimensions: [("outcome", outcome)], factory: factory)
            }
            delivered = attempts("delivered")
            retried = attempts("retry")
            dead = attempts("dead")
            latency = Metrics.Timer(label: "switchboard_webhook_delivery_duration_seconds", factory: factory)
            outboxDepth = Metrics.Gauge(label: "switchboard_webhook_outbox_pending", factory: factory)
        }
    }

    func recordCacheServing(_ serving: Bool) { cacheServing.record(serving ? 1 : 0) }
    func recordCacheFeedLost() { cacheFeedLost.increment() }
    func recordReplicaRead(answeredByReplica: Bool) { (answeredByReplica ? replicaReads : primaryReads).increment() }

    /// The counter and timer for one route, method and status, for callers that record the same ones often.
    struct RequestRecorder: Sendable {
        let counter: Metrics.Counter
        let timer: Metrics.Timer

        func record(_ duration: Duration) {
            counter.increment()
            timer.recordNanoseconds(duration.wholeNanoseconds)
        }
    }

    func recorder(route: String, method: String, status: Int) -> RequestRecorder {
        RequestRecorder(
            counter: requestCounter(route: route, method: method, status: status),
            timer: requestTimer(route: route, method: method))
    }

    /// Counts a finished request by route template, method and status, and records its latency by route.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        requestCounter(route: route, method: method, status: status).increment()
        requestTimer(route: route, method: method).recordNanoseconds(duration.wholeNanoseconds)
    }

    private func requestCounter(route: String, method: String, status: Int) -> Metrics.Counter {
        let key = route + " " + method + " " + String(status)
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(
                label: "switchboard_http_requests_total",
                dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            counters[key] = counter
            return counter
        }
        return counter
    }

    private func requestTimer(route: String, method: String) -> Metrics.Timer {
        let timerKey = route + " " + method
        return requestTimers.withLock { timers in
            if let timer = timers[timerKey] { return timer }
            let timer = Metrics.Timer(
                label: "switchboard_http_request_duration_seconds", dimensions: [("route", route), ("method", method)],
                preferredDisplayUnit: .seconds, factory: factory)
            timers[timerKey] = timer
            return timer
        }
    }

    /// Records how long one store operation took.
    func recordStoreQuery(_ operation: String, duration: Duration) {
        let timer = storeTimers.withLock { timers in
            if let timer = timers[operation] { return timer }
            let timer = Metrics.Timer(
                label: "switchboard_store_query_duration_seconds", dimensions: [("operation", operation)],
                preferredDisplayUnit: .seconds, factory: factory)
            timers[operation] = timer
            return timer
        }
        timer.recordNanoseconds(duration.wholeNanoseconds)
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

