public import Logging
public import SwitchboardCore

/// Carries the events one instance commits to the other instances serving the same database, so that a live
/// listener (the web inbox, `switchboard listen`) on any instance sees every instance's writes. PostgreSQL relays
/// with NOTIFY and LISTEN; a store only one process writes (SQLite) has no relay.
public protocol EventRelay: Sendable {
    /// Hands the events this process committed to the other instances, in order.
    func relay(_ events: [WebhookEvent], logger: Logger) async throws

    /// Calls `listening` once it listens, then `receive` with each batch of events another instance relayed, as
    /// they arrive, until cancelled. Throws when the connection it listens on is lost (or stops hearing); events
    /// relayed until it listens again are not seen.
    func receiveRelayedEvents(
        logger: Logger, listening: @Sendable () -> Void, _ receive: @Sendable ([RelayedEvent]) async -> Void
    ) async throws
}

/// An event another instance committed: whole, or, when too large to relay whole, the message it is about.
public enum RelayedEvent: Sendable, Equatable {
    case event(WebhookEvent)
    /// The receiver reads the message and builds its event again (as `WebhookEvent.message` does).
    case message(MessageID, in: LocationID, at: Timestamp)
}
