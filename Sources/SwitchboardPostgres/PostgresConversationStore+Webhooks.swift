import Foundation
public import Logging
import PostgresNIO
public import SwitchboardCore
public import SwitchboardStorage

extension PostgresConversationStore {
    // MARK: Subscriptions

    public func createSubscription(_ subscription: WebhookSubscription, logger: Logger) async throws {
        try await execute(
            "createSubscription",
            """
            INSERT INTO webhook_subscriptions (\(unescaped: WebhookSubscriptionColumn.list))
            VALUES (\(subscription.id), \(subscription.locationId?.rawValue), \(subscription.appClientId), \(subscription.url),
                \(subscription.events.joined(separator: " ")), \(subscription.createdAt.rawValue))
            """, logger: logger)
    }

    public func subscriptions(in location: LocationID?, logger: Logger) async throws -> [WebhookSubscription] {
        try await fetch(
            "subscriptions",
            """
            SELECT \(unescaped: WebhookSubscriptionColumn.list) FROM webhook_subscriptions
            WHERE (\(location?.rawValue)::text IS NULL OR location_id = \(location?.rawValue))
                AND id NOT IN (SELECT id FROM conversation_providers)
            ORDER BY created_at, id
            """, logger: logger
        ) { try $0.decoded(StoredRow.subscription) }
    }

    public func removeSubscription(_ id: String, logger: Logger) async throws -> Bool {
        try await !fetch(
            "removeSubscription",
            """
            DELETE FROM webhook_subscriptions WHERE id = \(id) AND id NOT IN (SELECT id FROM conversation_providers)
            RETURNING 1
            """, logger: logger
        ) { _ in true }.isEmpty
    }

    // MARK: The outbox

    /// The statement that puts `events` in the outbox, in their order, within the write's transaction: an event row
    /// only where a subscription receives it, and one delivery per such subscription. One round trip for all of
    /// them, so a write holds its conversation's row lock no longer for announcing more; nil when there are none.
    static func enqueue(_ events: [WebhookEvent]) -> PostgresQuery? {
        guard !events.isEmpty else { return nil }
        let types = events.map(\.type)
        let locations = events.map(\.locationId.rawValue)
        let conversations = NullableArray(events.map(\.conversationId?.rawValue))
        let payloads = events.map { String(decoding: $0.payload, as: UTF8.self) }
        let created = events.map(\.createdAt.rawValue)
        let recipients = NullableArray(events.map(\.recipient))
        let scopes = NullableArray(events.map { $0.requiredScope?.rawValue })
        // The inserted events (`e`) keep no scope: it is looked up again by type, as `WebhookEvent.requiredScope` does.
        let scoped = Self.scopedEventTypes
        // Whose: the location's, or an app's installed on it whose installation has the event's scope (none for an
        // event only its recipient receives). Which: the one the event is for, or each that asks for its type.
        let receives = """
            (s.location_id = u.location_id OR s.app_client_id IN (
                SELECT i.client_id FROM oauth_installations i
                WHERE i.location_id = u.location_id AND strpos(' ' || i.scopes || ' ', ' ' || u.scope || ' ') > 0))
            AND ((u.recipient IS NULL
                AND ((s.events = '' AND u.type NOT IN (\(Self.namedOnly)))
                    OR strpos(' ' || s.events || ' ', ' ' || u.type || ' ') > 0))
                OR s.id = u.recipient)
            """
        // ORDER BY the events' position: the sequence numbers, which order a conversation's deliveries, follow it.
        return """
            WITH u AS (
                SELECT * FROM unnest(\(types)::text[], \(locations)::text[], \(conversations)::text[], \(payloads)::text[],
                    \(created)::int8[], \(recipients)::text[], \(scopes)::text[])
                    WITH ORDINALITY AS u(type, location_id, conversation_id, payload, created_at, recipient, scope, position)),
            e AS (
                INSERT INTO webhook_events (type, location_id, conversation_id, payload, created_at, recipient)
                SELECT u.type, u.location_id, u.conversation_id, u.payload, u.created_at, u.recipient FROM u
                WHERE EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE \(unescaped: receives))
                ORDER BY u.position
                RETURNING seq, type, location_id, conversation_id, created_at, recipient)
            INSERT INTO webhook_deliveries (webhook_id, event_seq, subscription_id, order_key, state, next_attempt_at)
            SELECT gen_random_uuid()::text, u.seq, s.id, COALESCE(u.conversation_id, 'event ' || u.seq), 'pending',
                u.created_at
            FROM (
                SELECT e.*, (SELECT r.scope FROM unnest(\(scoped.types)::text[], \(scoped.scopes)::text[]) AS r(type, scope)
                    WHERE r.type = e.type AND e.recipient IS NULL) AS scope
                FROM e) AS u
            JOIN webhook_subscriptions s ON \(unescaped: receives)
            FOR KEY SHARE OF s
            """
    }

    /// `WebhookEventType.namedOnly` for SQL: constant names, no quotes.
    private static let namedOnly = WebhookEventType.namedOnly.map { "'\($0)'" }.joined(separator: ", ")

    /// The event types an app needs a scope for, with that scope.
    private static let scopedEventTypes: (types: [String], scopes: [String]) = {
        let pairs = WebhookEventType.all.compactMap { type in WebhookEventType.requiredScope(of: type).map { (type, $0.rawValue) } }
        return (pairs.map(\.0), pairs.map(\.1))
    }()

    /// Puts `events` in the outbox within the transaction `connection` is in (see `enqueue`).
    static func announce(_ events: [WebhookEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard let statement = enqueue(events) else { return }
        try await connection.query(statement, logger: logger)
    }

    public func claimDueRuns(now: Timestamp, leaseUntil: Timestamp, limit: Int, perConversation: Int, logger: Logger)
        async throws -> [[WebhookDelivery]]
    {
        let token = UUID().uuidString
        // SKIP LOCKED on the heads: instances claiming together take different conversations; the NOT EXISTS keeps a
        // conversation's later events waiting while an earlier one is pending (leased or due again later) anywhere.
        // A run is the head and the undelivered events after it, up to the first that may not go now.
        let claimed = try await fetch(
            "claimDueRuns",
            """
            WITH heads AS (
                SELECT d.subscription_id, d.order_key FROM webhook_deliveries d
                WHERE d.state = 'pending' AND d.next_attempt_at <= \(now.rawValue)
                    AND (d.leased_until IS NULL OR d.leased_until <= \(now.rawValue))
                    AND NOT EXISTS (
                        SELECT 1 FROM webhook_deliveries o
                        WHERE o.state = 'pending' AND o.subscription_id = d.subscription_id
                            AND o.order_key = d.order_key AND o.event_seq < d.event_seq)
                ORDER BY d.next_attempt_at, d.event_seq LIMIT \(limit)
                FOR UPDATE SKIP LOCKED),
            runs AS (
                SELECT r.webhook_id FROM heads h CROSS JOIN LATERAL (
                    SELECT c.webhook_id, min(CASE
                        WHEN c.next_attempt_at <= \(now.rawValue)
                            AND (c.leased_until IS NULL OR c.leased_until <= \(now.rawValue)) THEN 1 ELSE 0 END)
                        OVER (ORDER BY c.event_seq) AS goes
                    FROM webhook_deliveries c
                    WHERE c.state = 'pending' AND c.subscription_id = h.subscription_id AND c.order_key = h.order_key
                    ORDER BY c.event_seq LIMIT \(perConversation)) r
                WHERE r.goes = 1),
            d AS (
                UPDATE webhook_deliveries SET leased_until = \(leaseUntil.rawValue), lease_token = \(token)
                WHERE webhook_id IN (SELECT webhook_id FROM runs)
                RETURNING webhook_id, subscription_id, event_seq, attempts, lease_token, order_key)
            SELECT \(unescaped: WebhookDeliveryColumn.list) FROM d
            JOIN webhook_events e ON e.seq = d.event_seq JOIN webhook_subscriptions s ON s.id = d.subscription_id
            ORDER BY e.seq
            """, logger: logger
        ) { try $0.decoded(StoredRow.delivery) }
        return WebhookDelivery.runs(claimed)
    }

    public func recordAttempts(_ attempts: [WebhookAttempt], releasing released: [WebhookLease], logger: Logger)
        async throws
    {
        guard !attempts.isEmpty || !released.isEmpty else { return }
        // One statement for the batch: the attempts as arrays, joined to the deliveries whose lease they still hold.
        let ids = attempts.map(\.webhookId)
        let tokens = attempts.map(\.leaseToken)
        let outcomes = attempts.map(\.outcome.rawValue)
        let next = NullableArray(attempts.map { $0.nextAttemptAt?.rawValue })
        let at = attempts.map(\.at.rawValue)
        let status = NullableArray(attempts.map { $0.statusCode.map(Int64.init) })
        let errors = NullableArray(attempts.map(\.error))
        let latency = attempts.map { Int64($0.latencyMilliseconds) }
        try await execute(
            "recordAttempts",
            """
            WITH recorded AS (
                UPDATE webhook_deliveries d SET
                    state = CASE a.outcome WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
                    attempts = d.attempts + 1, next_attempt_at = COALESCE(a.next, d.next_attempt_at),
                    leased_until = NULL, lease_token = NULL, last_attempt_at = a.at, last_status = a.status,
                    last_error = a.error, latency_ms = a.latency
                FROM unnest(\(ids)::text[], \(tokens)::text[], \(outcomes)::text[], \(next)::bigint[], \(at)::bigint[],
                    \(status)::bigint[], \(errors)::text[], \(latency)::bigint[])
                    AS a(webhook_id, token, outcome, next, at, status, error, latency)
                WHERE d.webhook_id = a.webhook_id AND d.lease_token = a.token AND d.state = 'pending'
                RETURNING d.webhook_id, d.subscription_id, d.order_key, d.event_seq, d.state, a.outcome, a.next, a.at,
                    a.status, a.latency, a.error),
            logged AS (
                INSERT INTO webhook_attempts (webhook_id, attempted_at, outcome, status, latency_ms, error)
                SELECT webhook_id, at, outcome, status, latency, error FROM recorded)
            -- The later deliveries of a retried one's conversation wait until it is due again.
            UPDATE webhook_deliveries f SET next_attempt_at = GREATEST(f.next_attempt_at, r.next)
            FROM recorded r
            WHERE r.outcome = 'retry' AND r.next IS NOT NULL AND f.state = 'pending'
                AND f.subscription_id = r.subscription_id AND f.order_key = r.order_key AND f.event_seq > r.event_seq
            """, logger: logger)
        guard !released.isEmpty else { return }
        // A statement of its own: the hold-back above may update the same rows, and one statement updates a row once.
        try await execute(
            "releaseLeases",
            """
            UPDATE webhook_deliveries d SET leased_until = NULL, lease_token = NULL
            FROM unnest(\(released.map(\.webhookId))::text[], \(released.map(\.token))::text[]) AS l(webhook_id, token)
            WHERE d.webhook_id = l.webhook_id AND d.lease_token = l.token AND d.state = 'pending'
            """, logger: logger)
    }

    public func attempts(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookAttemptRecord] {
        try await fetch(
            "attempts",
            """
            SELECT \(unescaped: WebhookAttemptRecordColumn.list) FROM webhook_attempts a
            JOIN webhook_deliveries d ON d.webhook_id = a.webhook_id JOIN webhook_events e ON e.seq = d.event_seq
            WHERE (\(filter.subscriptionId)::text IS NULL OR d.subscription_id = \(filter.subscriptionId))
                AND (NOT \(filter.deadOnly) OR d.state = 'dead')
            ORDER BY a.seq DESC LIMIT \(filter.limit)
            """, logger: logger
        ) { try $0.decoded(StoredRow.attemptRecord) }
    }

    public func deliveries(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookDeliveryRecord] {
        try await fetch(
            "deliveries",
            """
            SELECT \(unescaped: WebhookDeliveryRecordColumn.list) FROM webhook_deliveries d
            JOIN webhook_events e ON e.seq = d.event_seq
            WHERE (\(filter.subscriptionId)::text IS NULL OR d.subscription_id = \(filter.subscriptionId))
                AND (NOT \(filter.deadOnly) OR d.state = 'dead')
            ORDER BY d.event_seq DESC, d.webhook_id LIMIT \(filter.limit)
            """, logger: logger
        ) { try $0.decoded(StoredRow.deliveryRecord) }
    }

    public func replay(webhookId: String?, at time: Timestamp, logger: Logger) async throws -> Int {
        try await fetch(
            "replay",
            """
            UPDATE webhook_deliveries
            SET state = 'pending', attempts = 0, next_attempt_at = \(time.rawValue), leased_until = NULL,
                lease_token = NULL
            WHERE ((\(webhookId)::text IS NULL AND state = 'dead') OR webhook_id = \(webhookId))
                AND (leased_until IS NULL OR leased_until <= \(time.rawValue))
            RETURNING 1
            """, logger: logger
        ) { _ in true }.count
    }

    public func pruneDeliveries(settledBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int {
        try await run("pruneDeliveries", logger: logger, statements: 4) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                // A bounded batch; the events are found by the deliveries removed.
                let events = try await connection.fetch(
                    """
                    DELETE FROM webhook_deliveries WHERE webhook_id IN (
                        SELECT webhook_id FROM webhook_deliveries
                        WHERE state IN ('delivered', 'dead') AND last_attempt_at < \(cutoff.rawValue) LIMIT \(limit))
                    RETURNING event_seq
                    """, logger: logger
                ) { try $0.decode(Int64.self) }
                try await connection.query(
                    """
                    DELETE FROM webhook_events e WHERE e.seq = ANY(\(Array(Set(events)))::bigint[])
                        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)
                    """, logger: logger)
                return events.count
            }
        }
    }

    public func recordEvents(_ events: [WebhookEvent], logger: Logger) async throws {
        guard let statement = Self.enqueue(events) else { return }
        try await execute("recordEvents", statement, logger: logger)
    }

    public func pendingDeliveryCount(logger: Logger) async throws -> Int {
        try await fetch(
            "pendingDeliveryCount", "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'", logger: logger
        ) { try $0.decode(Int.self) }.first ?? 0
    }

    // MARK: Signing keys

    public func activeWebhookKey(_ algorithm: WebhookKeyAlgorithm, orCreate candidate: SigningKey, logger: Logger)
        async throws -> SigningKey
    {
        let seal = keySeal
        let stored = try seal.storedSecret(of: candidate)
        let keys = try await run("activeWebhookKey", logger: logger, statements: 3) { connection in
            func active() async throws -> [SigningKey?] {
                try await connection.fetch(
                    """
                    SELECT \(unescaped: SigningKeyColumn.list) FROM webhook_signing_keys
                    WHERE algorithm = \(algorithm.rawValue) AND retired_at IS NULL
                    """, logger: logger
                ) { row in try row.decoded { try StoredRow.signingKey(&$0, seal: seal) } }
            }
            let existing = try await active()
            if !existing.isEmpty { return existing }
            // The unique index on the active key turns a lost race into "do nothing".
            try await connection.query(
                """
                INSERT INTO webhook_signing_keys (id, algorithm, secret, created_at, retired_at)
                VALUES (\(candidate.id), \(algorithm.rawValue), \(stored), \(candidate.createdAt.rawValue), NULL)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            return try await active()
        }
        guard let found = keys.first, let key = found else {
            throw StoreError.unavailable("the active webhook signing key could not be read")
        }
        return key
    }

    public func rotateWebhookKeys(to next: [WebhookKeyAlgorithm: SigningKey], at time: Timestamp, logger: Logger)
        async throws
    {
        let rows = try next.map { algorithm, key in (algorithm, key, try keySeal.storedSecret(of: key)) }
        try await run("rotateWebhookKeys", logger: logger, statements: 2 + 2 * rows.count) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                for (algorithm, key, stored) in rows {
                    try await connection.query(
                        """
                        UPDATE webhook_signing_keys SET retired_at = \(time.rawValue)
                        WHERE algorithm = \(algorithm.rawValue) AND retired_at IS NULL
                        """, logger: logger)
                    try await connection.query(
                        """
                        INSERT INTO webhook_signing_keys (id, algorithm, secret, created_at, retired_at)
                        VALUES (\(key.id), \(algorithm.rawValue), \(stored), \(key.createdAt.rawValue), NULL)
                        """, logger: logger)
                }
            }
        }
    }

    public func webhookKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws
        -> [(algorithm: WebhookKeyAlgorithm, key: SigningKey)]
    {
        let seal = keySeal
        let rows = try await fetch(
            "webhookKeys",
            """
            SELECT algorithm, \(unescaped: SigningKeyColumn.list) FROM webhook_signing_keys
            WHERE retired_at IS NULL OR retired_at > \(cutoff.rawValue) ORDER BY created_at, id
            """, logger: logger
        ) { row -> WebhookKeyRow? in
            try row.decoded { reader in
                guard let algorithm = WebhookKeyAlgorithm(rawValue: try reader.text()),
                    let key = try StoredRow.signingKey(&reader, seal: seal)
                else { return nil }
                return WebhookKeyRow(algorithm: algorithm, key: key)
            }
        }
        return rows.compactMap { $0.map { ($0.algorithm, $0.key) } }
    }
}

/// A webhook key row, Sendable across the fetch (a labelled tuple is not).
private struct WebhookKeyRow: Sendable {
    var algorithm: WebhookKeyAlgorithm
    var key: SigningKey
}
