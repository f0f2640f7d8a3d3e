public import Logging
public import SwitchboardCore

/// Tells one instance which conversations' messages every writer of a shared database changed, so that the answers
/// it keeps cached stay fresh. PostgreSQL announces each commit's changes with NOTIFY from triggers, so a write by
/// any instance, by `switchboard import` or by hand in `psql` is heard; SQLite needs none (`changeToken` is enough
/// for one file).
public protocol ChangeFeed: Sendable {
    /// Calls `listening` once every later commit will be heard, then `changed` with each commit's changes as they
    /// arrive, until cancelled. Throws when the connection it listens on is lost, or has been silent past the
    /// feed's limit (PostgreSQL's: 1 s): from then on, commits may go unheard until it listens again.
    func receiveChanges(
        logger: Logger, listening: @Sendable () -> Void, _ changed: @Sendable (ChangedConversations) -> Void
    ) async throws
}

/// What one commit changed, as the feed heard it.
public enum ChangedConversations: Sendable, Equatable {
    /// The messages of these conversations.
    case conversations([ConversationID])
    /// Anything: a commit too large to list (an import, a reset), or a notification the feed could not read.
    case everything
}
