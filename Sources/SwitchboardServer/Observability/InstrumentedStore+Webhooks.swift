import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func createSubscription(_ subscription: WebhookSubscription, logger: Logger) async throws {
        try await measure("createSubscription") { try await base.createSubscription(subscription, logger: logger) }
    }
    func subscriptions(in location: LocationID?, logger: Logger) async throws -> [WebhookSubscription] {
        try await measure("subscriptions") { try await base.subscriptions(in: location, logger: logger) }
    }
    func attempts(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookAttemptRecord] {
        try await measure("attempts") { try await base.attempts(filter, logger: logger) }
    }
    func removeSubscription(_ id: String, logger: Logger) async throws -> Bool {
        try await measure("removeSubscription") { try await base.removeSubscription(id, logger: logger) }
    }
    func claimDueRuns(now: Timestamp, leaseUntil: Timestamp, limit: Int, perConversation: Int, logger: Logger)
        async throws -> [[WebhookDelivery]]
    {
        try await measure("claimDueRuns") {
            try await base.claimDueRuns(
                now: now, leaseUntil: leaseUntil, limit: limit, perConversation: perConversation, logger: logger)
        }
    }
    func recordAttempts(_ attempts: [WebhookAttempt], releasing released: [WebhookLease], logger: Logger) async throws {
        try await measure("recordAttempts") {
            try await base.recordAttempts(attempts, releasing: released, logger: logger)
        }
    }
    func deliveries(_ filter: WebhookDeliveryFilter, logger: Logger) async throws -> [WebhookDeliveryRecord] {
        try await measure("deliveries") { try await base.deliveries(filter, logger: logger) }
    }
    func replay(webhookId: String?, at time: Timestamp, logger: Logger) async throws -> Int {
        try await measure("replay") { try await base.replay(webhookId: webhookId, at: time, logger: logger) }
    }
    func pruneDeliveries(settledBefore cutoff: Timestamp, limit: Int, logger: Logger) async throws -> Int {
        try await measure("pruneDeliveries") {
            try await base.pruneDeliveries(settledBefore: cutoff, limit: limit, logger: logger)
        }
    }
    func recordEvents(_ events: [WebhookEvent], logger: Logger) async throws {
        try await measure("recordEvents") { try await base.recordEvents(events, logger: logger) }
    }
    func pendingDeliveryCount(logger: Logger) async throws -> Int {
        try await measure("pendingDeliveryCount") { try await base.pendingDeliveryCount(logger: logger) }
    }
    func activeWebhookKey(_ algorithm: WebhookKeyAlgorithm, orCreate candidate: SigningKey, logger: Logger)
        async throws -> SigningKey
    {
        try await measure("activeWebhookKey") {
            try await base.activeWebhookKey(algorithm, orCreate: candidate, logger: logger)
        }
    }
    func rotateWebhookKeys(to next: [WebhookKeyAlgorithm: SigningKey], at time: Timestamp, logger: Logger)
        async throws
    {
        try await measure("rotateWebhookKeys") { try await base.rotateWebhookKeys(to: next, at: time, logger: logger) }
    }
    func webhookKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws
        -> [(algorithm: WebhookKeyAlgorithm, key: SigningKey)]
    {
        try await measure("webhookKeys") { try await base.webhookKeys(retiredAfter: cutoff, logger: logger) }
    }
}
