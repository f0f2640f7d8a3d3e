import Foundation
import GRDB
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension SQLiteConversationStore {
    // MARK: Subscriptions

    public func createSubscription(_ subscription: WebhookSubscription, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO webhook_subscriptions (\(WebhookSubscriptionColumn.list)) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    subscription.id, subscription.locationId?.rawValue, subscription.appClientId, subscription.url,
                    subscription.events.joined(separator: " "), subscription.createdAt.rawValue,
                ])
        }
    }

    public func subscriptions(in location: LocationID?, logger: Logger) async throws -> [WebhookSubscription] {
        try await pool.read { db in
            // A provider's subscription is its provider's (`providers(in:)`).
            let select = """
                SELECT \(WebhookSubscriptionColumn.list) FROM webhook_subscriptions
                WHERE id NOT IN (SELECT id FROM conversation_providers)
                """
            let rows =
                if let location {
                    try Row.fetchAll(
                        db, sql: select + " AND location_id = ? ORDER BY created_at, id", arguments: [location.rawValue])
                } else {
                    try Row.fetchAll(db, sql: select + " ORDER BY created_at, id")
                }
            return try rows.map(Decode.subscription)
        }
    }

    public func removeSubscription(_ id: String, logger: Logger) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM webhook_subscriptions WHERE id = ? AND id NOT IN (SELECT id FROM conversation_providers)",
                arguments: [id])
            return db.changesCount > 0
        }
    }

    // MARK: The outbox

    /// Puts `events` in the outbox, within the caller's transaction: an event row only where a subscription receives
    /// it, and one delivery per such subscription.
    static func enqueue(_ events: [WebhookEvent], db: Database) throws {
        for event in events {
            let receivers: StatementArguments = [
                event.locationId.rawValue, event.recipient, " \(event.type) ",
                event.requiredScope.map { " \($0.rawValue) " },
            ]
            guard
                try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE \(receivesEvent))"),
                    arguments: receivers) == true
            else { continue }
            try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_events (type, location_id, conversation_id, payload, created_at, recipient)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                event.type, event.locationId.rawValue, event.conversationId?.rawValue,
                String(decoding: event.payload, as: UTF8.self), event.createdAt.rawValue, event.recipient,
            ])
            let seq = db.lastInsertedRowID
            try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_deliveries (webhook_id, event_seq, subscription_id, order_key, state, next_attempt_at)
                    SELECT \(randomUUID), ?5, s.id, ?6, 'pending', ?7 FROM webhook_subscriptions s WHERE \(receivesEvent)
                    """
            ).execute(
                arguments: receivers + [seq, event.conversationId?.rawValue ?? "event \(seq)", event.createdAt.rawValue])
        }
    }

    /// A subscription (`s`) that receives the event. Whose: the location's (?1), or an app's installed on it whose
    /// installation has the event's scope (?4, space-padded; NULL for an event only its recipient receives). Which:
    /// the one the event is for (?2), or, for an event for no one in particular (?2 NULL), each that asks for its
    /// type (?3, space-padded).
    private static let receivesEvent = """
        (s.location_id = ?1 OR s.app_client_id IN (
            SELECT i.client_id FROM oauth_installations i
            WHERE i.location_id = ?1 AND instr(' ' || i.scopes || ' ', ?4) > 0))
        AND ((?2 IS NULL AND ((s.events = '' AND ?3 NOT IN (\(namedOnly))) OR instr(' ' || s.events || ' ', ?3) > 0))
            OR s.id = ?2)
        """

    /// `WebhookEventType.namedOnly` as `?3` spells a type (between spaces), for SQL: constant names, no quotes.
    private static let namedOnly = WebhookEventType.namedOnly.map { "' \($0) '" }.joined(separator: ", ")

    /// A version-4 UUID, made by SQLite: the delivery's `webhookId`.
    private static let randomUUID = """
        lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
            || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
        """

    /// The oldest pending delivery of its subscription and order key, due and not leased: the condition on `d`.
    private static let isDueHead = """
        d.state = 'pending' AND d.next_attempt_at <= ? AND (d.leased_until IS NULL OR d.leased_until <= ?)
        AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries o
            WHERE o.state = 'pending' AND o.subscription_id = d.subscription_id AND o.order_key = d.order_key
                AND o.event_seq < d.event_seq)
        """

    public func claimDueRuns(now: Timestamp, leaseUntil: Timestamp, limit: Int, perConversation: Int, logger: Logger)
        async throws -> [[WebhookDelivery]]
    {
        // A read first: an idle outbox costs the writer nothing.
        let due = try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE \(Self.isDueHead))",
                arguments: [now.rawValue, now.rawValue]) ?? false
        }
        guard due else { return [] }
        let token = UUID().uuidString
        return try await write { db in
            let heads = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT d.subscription_id, d.order_key FROM webhook_deliveries d WHERE \(Self.isDueHead)
                        ORDER BY d.next_attempt_at, d.event_seq LIMIT ?
                        """),
                arguments: [now.rawValue, now.rawValue, limit])
            // A conversation's undelivered events in order, each with whether it may go now.
            let undelivered = try db.cachedStatement(
                sql: """
                    SELECT webhook_id, next_attempt_at <= ?1 AND (leased_until IS NULL OR leased_until <= ?1)
                    FROM webhook_deliveries WHERE state = 'pending' AND subscription_id = ?2 AND order_key = ?3
                    ORDER BY event_seq LIMIT ?4
                    """)
            let lease = try db.cachedStatement(
                sql: "UPDATE webhook_deliveries SET leased_until = ?, lease_token = ? WHERE webhook_id = ?")
            var ids: [String] = []
            for head in heads {
                let subscription: String = head[0]
                let orderKey: String = head[1]
                for row in try Row.fetchAll(
                    undelivered, arguments: [now.rawValue, subscription, orderKey, perConversation])
                {
                    guard (row[1] as Bool?) == true else { break }
                    let id: String = row[0]
                    try lease.execute(arguments: [leaseUntil.rawValue, token, id])
                    ids.append(id)
                }
            }
            guard !ids.isEmpty else { return [] }
            let claimed = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(WebhookDeliveryColumn.list) FROM webhook_deliveries d
                    JOIN webhook_events e ON e.seq = d.event_seq JOIN webhook_subscriptions s ON s.id = d.subscription_id
                    WHERE d.webhook_id IN (\(ids.map { _ in "?" }.joined(separator: ","))) ORDER BY e.seq
                    """,
                arguments: StatementArguments(ids)
            ).map(Decode.delivery)
            return WebhookDelivery.runs(claimed)
        }
    }

    public func recordAttempts(_ attempts: [WebhookAttempt], releasing released: [WebhookLease], logger: Logger)
        async throws
    {
        guard !attempts.isEmpty || !released.isEmpty else { return }
        try await write { db in
            let record = try db.cachedStatement(
                sql: """
                    UPDATE webhook_deliveries SET
                        state = CASE ? WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
                        attempts = attempts + 1, next_attempt_at = COALESCE(?, next_attempt_at), leased_until = NULL,
                        lease_token = NULL, last_attempt_at = ?, last_status = ?, last_error = ?, latency_ms = ?
                    WHERE webhook_id = ? AND lease_token = ? AND state = 'pending'
                    """)
            // The later deliveries of a retried one's conversation wait until it is due again.
            let holdBack = try db.cachedStatement(
                sql: """
                    UPDATE webhook_deliveries SET next_attempt_at = MAX(next_attempt_at, ?)
                    WHERE state = 'pending' AND (subscription_id, order_key) =
                        (SELECT subscription_id, order_key FROM webhook_deliveries WHERE webhook_id = ?)
                        AND event_seq > (SELECT event_seq FROM webhook_deliveries WHERE webhook_id = ?)
                    """)
            let log = try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_attempts (webhook_id, attempted_at, outcome, status, latency_ms, error)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
            for attempt in attempts {
                try record.execute(arguments: [
                    attempt.outcome.rawValue, attempt.nextAttemptAt?.rawValue, attempt.at.rawValue, attempt.statusCode,
                    attempt.error, attempt.latencyMilliseconds, attempt.webhookId, attempt.leaseToken,
                ])
                guard db.changesCount > 0 else { continue }
                try log.execute(arguments: [
                    attempt.webhookId, attempt.at.rawValue, attempt.outcome.rawValue, attempt.statusCode,
                    attempt.latencyMilliseconds, attempt.error,
                ])
                if attempt.outcome == .retry, let next = attempt.nextAttemptAt {
                    try holdBack.execute(arguments: [next.rawValue, attempt.webhookId, attempt.webhookId])
                }
            }
            let release = try db.cachedStatement(
                sql: """
                    UPDATE webhook_deliveries SET leased_until = NULL, lease_token = NULL
                    WHERE webhook_id = ? AND lease_token = ? AND state = 'pending'
                    """)
            for lease in released { try release.execute(arguments: [lease.webhookId, lease.token]) }
        }
    }

    /// The deliveries (`d`) `filter` names.
    private static func deliveries(matching filter: WebhookDeliveryFilter) -> SQLConditions {
        var conditions = SQLConditions("1 = 1")
        if let subscription = filter.subscriptionId { conditions.and("d.subscription_id = ?", subscription) }
        if filter.deadOnly { conditions.and("d.state = ?", "dead") }
        return conditions
    }

    public func attempts(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookAttemptRecord] {
        try await pool.read { db in
            let conditions = Self.deliveries(matching: filter)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(WebhookAttemptRecordColumn.list) FROM webhook_attempts a
                    JOIN webhook_deliveries d ON d.webhook_id = a.webhook_id JOIN webhook_events e ON e.seq = d.event_seq
                    WHERE \(conditions.sql) ORDER BY a.seq DESC LIMIT ?
                    """,
                arguments: conditions.arguments + [filter.limit]
            ).map(Decode.attemptRecord)
        }
    }

    public func deliveries(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookDeliveryRecord] {
        try await pool.read { db in
            let conditions = Self.deliveries(matching: filter)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(WebhookDeliveryRecordColumn.list) FROM webhook_deliveries d
                    JOIN webhook_events e ON e.seq = d.event_seq WHERE \(conditions.sql)
                    ORDER BY d.event_seq DESC, d.webhook_id LIMIT ?
                    """,
                arguments: conditions.arguments + [filter.limit]
            ).map(Decode.deliveryRecord)
        }
    }

    public func replay(webhookId: String?, at time: Timestamp, logger: Logger) async throws -> Int {
        try await write { db in
            let which = webhookId == nil ? "state = 'dead'" : "webhook_id = ?"
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, leased_until = NULL,
                        lease_token = NULL
                    WHERE \(which) AND (leased_until IS NULL OR leased_until <= ?)
                    """,
                arguments: [time.rawValue] + StatementArguments(webhookId.map { [$0] } ?? []) + [time.rawValue])
            return db.changesCount
        }
    }

    public func pruneDeliveries(settledBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int {
        try await write { db in
            // A bounded batch, so the writer is not held for long; the events are found by the deliveries removed.
            let events = try Int64.fetchAll(
                db,
                sql: """
                    DELETE FROM webhook_deliveries WHERE webhook_id IN (
                        SELECT webhook_id FROM webhook_deliveries
                        WHERE state IN ('delivered', 'dead') AND last_attempt_at < ? LIMIT ?)
                    RETURNING event_seq
                    """,
                arguments: [cutoff.rawValue, limit])
            let orphaned = try db.cachedStatement(
                sql: """
                    DELETE FROM webhook_events
                    WHERE seq = ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = ?)
                    """)
            for seq in Set(events) { try orphaned.execute(arguments: [seq, seq]) }
            return events.count
        }
    }

    public func recordEvents(_ events: [WebhookEvent], logger: Logger) async throws {
        guard !events.isEmpty else { return }
        try await write { db in try Self.enqueue(events, db: db) }
    }

    public func pendingDeliveryCount(logger: Logger) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'") ?? 0
        }
    }

    // MARK: Signing keys

    public func activeWebhookKey(_ algorithm: WebhookKeyAlgorithm, orCreate candidate: SigningKey, logger: Logger)
        async throws -> SigningKey
    {
        let seal = keySeal
        if let key = try await pool.read({ db in try Self.activeWebhookKey(algorithm, db: db, seal: seal) }) { return key }
        let stored = try seal.storedSecret(of: candidate)
        let key = try await write { db -> SigningKey? in
            // The unique index on the active key turns a lost race into "do nothing".
            try db.execute(
                sql: """
                    INSERT INTO webhook_signing_keys (id, algorithm, secret, created_at, retired_at)
                    VALUES (?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING
                    """,
                arguments: [candidate.id, algorithm.rawValue, stored, candidate.createdAt.rawValue])
            return try Self.activeWebhookKey(algorithm, db: db, seal: seal)
        }
        guard let key else { throw StoreError.unavailable("the active webhook signing key could not be read") }
        return key
    }

    private static func activeWebhookKey(_ algorithm: WebhookKeyAlgorithm, db: Database, seal: SigningKeySeal) throws
        -> SigningKey?
    {
        try Row.fetchOne(
            db, sql: "SELECT \(SigningKeyColumn.list) FROM webhook_signing_keys WHERE algorithm = ? AND retired_at IS NULL",
            arguments: [algorithm.rawValue]
        ).flatMap { try Decode.signingKey($0, seal: seal) }
    }

    public func rotateWebhookKeys(to next: [WebhookKeyAlgorithm: SigningKey], at time: Timestamp, logger: Logger)
        async throws
    {
        let stored = try next.mapValues { try keySeal.storedSecret(of: $0) }
        try await write { db in
            for (algorithm, key) in next {
                try db.execute(
                    sql: "UPDATE webhook_signing_keys SET retired_at = ? WHERE algorithm = ? AND retired_at IS NULL",
                    arguments: [time.rawValue, algorithm.rawValue])
                try db.execute(
                    sql: "INSERT INTO webhook_signing_keys (id, algorithm, secret, created_at, retired_at) VALUES (?, ?, ?, ?, NULL)",
                    arguments: [key.id, algorithm.rawValue, stored[algorithm], key.createdAt.rawValue])
            }
        }
    }

    public func webhookKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws
        -> [(algorithm: WebhookKeyAlgorithm, key: SigningKey)]
    {
        let seal = keySeal
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT algorithm, \(SigningKeyColumn.list) FROM webhook_signing_keys
                    WHERE retired_at IS NULL OR retired_at > ? ORDER BY created_at, id
                    """,
                arguments: [cutoff.rawValue]
            ).compactMap { row in
                var reader = SQLiteRowReader(row)
                guard let algorithm = WebhookKeyAlgorithm(rawValue: try reader.text()),
                    let key = try StoredRow.signingKey(&reader, seal: seal)
                else { return nil }
                return (algorithm, key)
            }
        }
    }
}
