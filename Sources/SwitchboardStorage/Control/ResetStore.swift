public import Logging
public import SwitchboardCore

/// What a reset clears. Signing keys (OAuth and webhook) always stay: tokens already handed out keep verifying.
public enum ResetScope: String, Sendable, Hashable {
    /// Every location's contacts, conversations and messages, and the webhook outbox (events and deliveries).
    /// Locations, tokens, OAuth apps, installations and grants, and webhook subscriptions stay.
    case data
    /// `data`, and the locations with everything that belongs to them: tokens, OAuth apps, installations, grants and
    /// webhook subscriptions.
    case everything
}

/// The control room of the store: what the testing toolkit (`/_switchboard/…`) does to a whole store at once.
public protocol ResetStore: Sendable {
    /// Deletes what `scope` names, in one transaction: a reset is seen whole or not at all.
    func reset(_ scope: ResetScope, logger: Logger) async throws
    /// The latest time a stored message carries (its `dateAdded` or `dateUpdated`), nil when there is none: a test
    /// clock may not move before it.
    func latestMessageTime(logger: Logger) async throws -> Timestamp?
}
