import SwitchboardCore
import SwitchboardStorage

/// Where a committed change to messages is told — this instance's own before it is acknowledged, another writer's
/// when the change feed reports it: to everything that keeps what the messages were, the response cache and the
/// read replica's routing (which keeps those conversations on the primary until the replica has replayed them).
struct CommittedWrites: Sendable {
    let cache: ResponseCache?
    let replica: (any ReplicaReads)?

    var isEmpty: Bool { cache == nil && replica == nil }

    func invalidate(_ conversations: some Sequence<ConversationID>) {
        // The replica first: a read that misses the cache from now on must not go to a replica that lacks the change.
        let conversations = Set(conversations)
        replica?.committed(conversations)
        cache?.invalidate(conversations)
    }

    func invalidateAll() {
        replica?.committedAnything()
        cache?.invalidateAll()
    }

    /// Other writers' commits may go unheard from now on: nothing is answered from what may be stale.
    func stopHearing() {
        replica?.hearsEveryWriter(false)
        cache?.stopServing()
    }

    /// Every later commit is heard again.
    func startHearing() {
        replica?.hearsEveryWriter(true)
        cache?.startServing()
    }
}
