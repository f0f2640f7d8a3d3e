public import SwitchboardCore

/// A store that answers some reads from a streaming replica (PostgreSQL's `--read-database`), and must therefore
/// hear of every committed change to messages — this instance's own before it is acknowledged, another writer's as
/// soon as the change feed reports it — so that it keeps reading those conversations from the primary until the
/// replica has replayed the change. The server tells it exactly what it tells its response cache.
public protocol ReplicaReads: Sendable {
    /// The messages of these conversations changed in a commit that is over.
    func committed(_ conversations: Set<ConversationID>)
    /// Anything may have changed (an import, a reset, a notification that could not be read).
    func committedAnything()
    /// Whether every other writer's commits are being heard (the change feed listens). While they are not, every
    /// read goes to the primary; when they are again, everything is treated as changed.
    func hearsEveryWriter(_ hearing: Bool)
    /// Called with each read the replica could have answered: true when it did, false when the primary did.
    func reportReads(to observer: @escaping @Sendable (_ answeredByReplica: Bool) -> Void)
}
