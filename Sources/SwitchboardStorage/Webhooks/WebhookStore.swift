public import Logging
public import SwitchboardCore

/// The webhook room of the store: subscriptions, the outbox (events and one delivery per event and subscription,
/// written by `MessageStore.insertMessages(_:events:logger:)` in the write's own transaction), and the keys
/// deliveries are signed with.
public protocol WebhookStore: Sendable {
    /// Throws `StoreError.missingReference` for an unknown location or app.
    func createSubscription(_ subscription: WebhookSubscription, logger: Logger) async throws
    /// Every subscription (apps' included), or the location's own, oldest first.
    func subscriptions(in location: LocationID?, logger: Logger) async throws -> [WebhookSubscription]
    /// Removes the subscription and what it has not yet been delivered; returns whether it existed.
    func removeSubscription(_ id: String, logger: Logger) async throws -> Bool

    /// Leases the due deliveries of up to `limit` conversations until `leaseUntil`: of each, up to `perConversation`
    /// of its subscription's undelivered events, oldest first, from the oldest on, so that the events of a
    /// conversation reach a subscription in the order they were written (a run stops before a delivery that is not
    /// due). A delivery whose lease ran out (its deliverer died) is due again. Runs come oldest first.
    func claimDueRuns(now: Timestamp, leaseUntil: Timestamp, limit: Int, perConversation: Int, logger: Logger)
        async throws -> [[WebhookDelivery]]
    /// Records attempts' outcomes and ends their deliveries' leases, and ends the leases of `released` (claimed, not
    /// attempted), all in one transaction (the dispatcher records what finished together at once: one write for
    /// many deliveries). An attempt whose lease was taken over is not recorded. A retry also holds back the later
    /// deliveries of its conversation until it is due, so claims do not walk past them meanwhile.
    func recordAttempts(_ attempts: [WebhookAttempt], releasing released: [WebhookLease], logger: Logger) async throws
    /// The deliveries, newest first: all, the subscription's, or only the dead ones.
    func deliveries(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookDeliveryRecord]
    /// Every recorded attempt of the deliveries `filter` names (replays' included), newest first, at most
    /// `filter.limit`. An attempt is kept as long as its delivery.
    func attempts(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookAttemptRecord]
    /// Makes the delivery (or every dead one, with nil) due again at `time`, attempts reset; one being attempted
    /// right now is left alone. Returns how many.
    func replay(webhookId: String?, at time: Timestamp, logger: Logger) async throws -> Int
    /// Deletes delivered and dead deliveries last attempted before `cutoff` (at most `limit`), and the events no
    /// delivery needs any more; returns how many deliveries.
    func pruneDeliveries(settledBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int
    /// Deliveries not yet delivered or dead: the outbox's depth.
    func pendingDeliveryCount(logger: Logger) async throws -> Int
    /// Puts events that no stored write carries (live chat's typing) in the outbox, in a transaction of their own,
    /// as a write's are put there (only where a subscription receives them).
    func recordEvents(_ events: [WebhookEvent], logger: Logger) async throws

    /// The active key of `algorithm`, storing `candidate` if there is none (the first start).
    func activeWebhookKey(_ algorithm: WebhookKeyAlgorithm, orCreate candidate: SigningKey, logger: Logger)
        async throws -> SigningKey
    /// Retires each algorithm's active key at `time` and makes the given ones active.
    func rotateWebhookKeys(to next: [WebhookKeyAlgorithm: SigningKey], at time: Timestamp, logger: Logger) async throws
    /// The active keys and those retired after `cutoff`, oldest first.
    func webhookKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws
        -> [(algorithm: WebhookKeyAlgorithm, key: SigningKey)]
}

extension WebhookStore {
    /// Leases up to `limit` due deliveries, each the oldest undelivered event of its conversation for its
    /// subscription (runs of one), oldest first.
    public func claimDueDeliveries(now: Timestamp, leaseUntil: Timestamp, limit: Int, logger: Logger) async throws
        -> [WebhookDelivery]
    {
        try await claimDueRuns(now: now, leaseUntil: leaseUntil, limit: limit, perConversation: 1, logger: logger)
            .flatMap { $0 }
    }

    public func recordAttempts(_ attempts: [WebhookAttempt], logger: Logger) async throws {
        try await recordAttempts(attempts, releasing: [], logger: logger)
    }
}

/// A claim's hold on one delivery: what ends it without an attempt.
public struct WebhookLease: Sendable, Hashable {
    public var webhookId: String
    public var token: String

    public init(webhookId: String, token: String) {
        self.webhookId = webhookId
        self.token = token
    }
}

/// Where a location's events go, or an app's: the events of every location the app is installed on.
public struct WebhookSubscription: Sendable, Hashable {
    /// Whose events a subscription receives.
    public enum Owner: Sendable, Hashable {
        /// The location's: every event it asks for.
        case location(LocationID)
        /// An OAuth app's (HighLevel's marketplace webhooks): the events of each location with an installation of
        /// the app whose scopes allow them, with the app's `appId` in the payload.
        case app(clientId: String)
    }

    public var id: String
    public var owner: Owner
    public var url: String
    /// The event types it receives; empty for every event.
    public var events: [String]
    public var createdAt: Timestamp

    public init(id: String, owner: Owner, url: String, events: [String], createdAt: Timestamp) {
        self.id = id
        self.owner = owner
        self.url = url
        self.events = events
        self.createdAt = createdAt
    }

    /// A location's subscription.
    public init(id: String, locationId: LocationID, url: String, events: [String], createdAt: Timestamp) {
        self.init(id: id, owner: .location(locationId), url: url, events: events, createdAt: createdAt)
    }

    /// The location of a location's subscription.
    public var locationId: LocationID? {
        if case .location(let location) = owner { location } else { nil }
    }

    /// The client id of an app's subscription.
    public var appClientId: String? {
        if case .app(let clientId) = owner { clientId } else { nil }
    }

    /// Every event but Switchboard's own when it names none (`WebhookEventType.namedOnly`), else those it names.
    public func receives(_ type: String) -> Bool {
        events.isEmpty ? !WebhookEventType.namedOnly.contains(type) : events.contains(type)
    }
}

/// A delivery leased for an attempt: an event, the subscription it goes to, and its `webhookId`.
public struct WebhookDelivery: Sendable, Hashable {
    public var webhookId: String
    public var subscriptionId: String
    public var url: String
    /// The client id of the app whose subscription it is; nil for a location's.
    public var appClientId: String?
    public var type: String
    public var payload: [UInt8]
    /// The event's creation time: the `timestamp` of every delivery of it.
    public var createdAt: Timestamp
    /// Attempts made before this one.
    public var attempts: Int
    /// The claim's own token: its outcome is recorded only while it still holds the lease.
    public var leaseToken: String
    /// What its subscription's deliveries are kept in order within: the event's conversation.
    public var orderKey: String

    public init(
        webhookId: String, subscriptionId: String, url: String, appClientId: String? = nil, type: String,
        payload: [UInt8], createdAt: Timestamp, attempts: Int, leaseToken: String, orderKey: String
    ) {
        self.webhookId = webhookId
        self.subscriptionId = subscriptionId
        self.url = url
        self.appClientId = appClientId
        self.type = type
        self.payload = payload
        self.createdAt = createdAt
        self.attempts = attempts
        self.leaseToken = leaseToken
        self.orderKey = orderKey
    }

    /// `claimed` (oldest first) as runs: the deliveries of one subscription and conversation, in order; runs ordered
    /// by their first delivery.
    public static func runs(_ claimed: [WebhookDelivery]) -> [[WebhookDelivery]] {
        var runs: [[WebhookDelivery]] = []
        var index: [String: Int] = [:]
        for delivery in claimed {
            let key = delivery.subscriptionId + "\u{0}" + delivery.orderKey
            if let run = index[key] {
                runs[run].append(delivery)
            } else {
                index[key] = runs.count
                runs.append([delivery])
            }
        }
        return runs
    }

    public var lease: WebhookLease { WebhookLease(webhookId: webhookId, token: leaseToken) }

    /// The bytes sent (and signed): the payload with this delivery's `webhookId` and the event's `timestamp`.
    public var body: [UInt8] {
        WebhookEnvelope.body(
            type: type, payload: payload, webhookId: webhookId, timestamp: createdAt,
            appId: appClientId.map(WebhookEnvelope.appId(ofClientId:)))
    }
}

/// One attempt's outcome.
public struct WebhookAttempt: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// 2xx: done.
        case delivered
        /// Due again at `nextAttemptAt`.
        case retry
        /// Given up: no attempt follows unless it is replayed.
        case dead
    }

    public var webhookId: String
    /// The lease the attempt was made under (`WebhookDelivery.leaseToken`): an outcome that comes after its lease
    /// ran out and another claim took the delivery over is dropped.
    public var leaseToken: String
    public var outcome: Outcome
    public var at: Timestamp
    /// The receiver's status code; nil when there was no answer (refused, reset, timed out).
    public var statusCode: Int?
    public var error: String?
    public var latencyMilliseconds: Int
    public var nextAttemptAt: Timestamp?

    public init(
        webhookId: String, leaseToken: String, outcome: Outcome, at: Timestamp, statusCode: Int?, error: String?,
        latencyMilliseconds: Int, nextAttemptAt: Timestamp? = nil
    ) {
        self.webhookId = webhookId
        self.leaseToken = leaseToken
        self.outcome = outcome
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.latencyMilliseconds = latencyMilliseconds
        self.nextAttemptAt = nextAttemptAt
    }
}

/// Which deliveries `webhook deliveries` lists.
public struct WebhookDeliveryFilter: Sendable, Hashable {
    public var subscriptionId: String?
    public var deadOnly: Bool
    public var limit: Int

    public init(subscriptionId: String? = nil, deadOnly: Bool = false, limit: Int = 100) {
        self.subscriptionId = subscriptionId
        self.deadOnly = deadOnly
        self.limit = limit
    }
}

/// A delivery as `webhook deliveries` lists it: its state and its last attempt.
public struct WebhookDeliveryRecord: Sendable, Hashable {
    public enum State: String, Sendable, Hashable { case pending, delivered, dead }

    public var webhookId: String
    public var subscriptionId: String
    public var type: String
    public var state: State
    public var attempts: Int
    public var createdAt: Timestamp
    public var lastAttemptAt: Timestamp?
    public var lastStatusCode: Int?
    public var lastError: String?
    public var latencyMilliseconds: Int?

    public init(
        webhookId: String, subscriptionId: String, type: String, state: State, attempts: Int, createdAt: Timestamp,
        lastAttemptAt: Timestamp?, lastStatusCode: Int?, lastError: String?, latencyMilliseconds: Int?
    ) {
        self.webhookId = webhookId
        self.subscriptionId = subscriptionId
        self.type = type
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.latencyMilliseconds = latencyMilliseconds
    }
}

/// One attempt as `webhook deliveries --attempts` lists it.
public struct WebhookAttemptRecord: Sendable, Hashable {
    public var webhookId: String
    public var subscriptionId: String
    public var type: String
    public var at: Timestamp
    public var outcome: WebhookAttempt.Outcome
    /// The receiver's status code; nil when there was no answer.
    public var statusCode: Int?
    public var latencyMilliseconds: Int
    public var error: String?

    public init(
        webhookId: String, subscriptionId: String, type: String, at: Timestamp, outcome: WebhookAttempt.Outcome,
        statusCode: Int?, latencyMilliseconds: Int, error: String?
    ) {
        self.webhookId = webhookId
        self.subscriptionId = subscriptionId
        self.type = type
        self.at = at
        self.outcome = outcome
        self.statusCode = statusCode
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
    }
}

/// The two signatures every delivery carries.
public enum WebhookKeyAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// `x-ghl-signature`.
    case ed25519
    /// `x-wh-signature` (HighLevel's legacy scheme).
    case rsa
}
