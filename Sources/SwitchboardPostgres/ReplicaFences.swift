import SwitchboardCore

/// Which reads a streaming replica may answer now, from WAL positions (LSNs, in bytes).
///
/// A conversation whose messages changed is *pinned* to the primary at once (before the change is acknowledged, or
/// as soon as the change feed reports it). A pin then gets a fence: the primary's WAL position read after the
/// commit, which is at or past the commit's record. Once the replica has been seen to have replayed past a fence, a
/// snapshot it takes from then on holds the change, and the pin is dropped. Pure state; `PostgresReadReplica`
/// drives it.
struct ReplicaFences: Sendable {
    typealias LSN = UInt64

    /// Pinned, waiting for the primary's position.
    private(set) var unfenced: Set<ConversationID> = []
    private(set) var everythingUnfenced = false
    /// Pinned, the primary's position being read for them now (one batch at a time: the monitor's).
    private(set) var resolving: Set<ConversationID> = []
    private(set) var everythingResolving = false
    /// Pinned until the replica has replayed past the position.
    private(set) var fences: [ConversationID: LSN] = [:]
    private(set) var everythingFence: LSN = 0
    /// Where the replica was last seen to have replayed to; nil while it cannot be read from.
    private(set) var replayed: LSN?
    /// Whether other writers' commits are heard (see `ReplicaReads.hearsEveryWriter`).
    private(set) var hearing = false

    /// Past this many pinned conversations, everything is pinned instead (memory stays bounded under any write load).
    static let maximumPinned = 10_000

    mutating func pin(_ conversations: Set<ConversationID>) {
        guard !everythingUnfenced else { return }
        if unfenced.count + conversations.count > Self.maximumPinned {
            pinEverything()
        } else {
            unfenced.formUnion(conversations)
        }
    }

    mutating func pinEverything() {
        everythingUnfenced = true
        unfenced = []
    }

    mutating func hear(_ hearing: Bool) {
        // Commits may have gone unheard until now.
        if hearing, !self.hearing { pinEverything() }
        self.hearing = hearing
    }

    var needsFence: Bool { everythingUnfenced || !unfenced.isEmpty }
    private var pinnedWithoutFence: Bool {
        everythingUnfenced || everythingResolving || !unfenced.isEmpty || !resolving.isEmpty
    }
    var waitsForReplay: Bool { needsFence || !fences.isEmpty || (replayed ?? 0) < everythingFence }

    /// The pins waiting for a position, handed to `fence(_:at:)` once it is read (they stay pinned meanwhile);
    /// pins made meanwhile wait for the next one.
    mutating func takeUnfenced() -> (conversations: Set<ConversationID>, everything: Bool) {
        resolving = unfenced
        everythingResolving = everythingUnfenced
        unfenced = []
        everythingUnfenced = false
        return (resolving, everythingResolving)
    }

    /// Puts back pins whose position could not be read.
    mutating func restore(_ taken: (conversations: Set<ConversationID>, everything: Bool)) {
        resolving = []
        everythingResolving = false
        if taken.everything { pinEverything() } else { pin(taken.conversations) }
    }

    mutating func fence(_ taken: (conversations: Set<ConversationID>, everything: Bool), at position: LSN) {
        resolving = []
        everythingResolving = false
        if taken.everything || fences.count + taken.conversations.count > Self.maximumPinned {
            // Everything waits for the furthest position: no conversation is released early.
            everythingFence = max(everythingFence, position, fences.values.max() ?? 0)
            fences = [:]
            return
        }
        for conversation in taken.conversations { fences[conversation] = max(fences[conversation] ?? 0, position) }
        releaseReplayed()
    }

    /// The replica has replayed to `position` (nil: it could not be read).
    mutating func replayed(to position: LSN?) {
        // Replay only moves forward; a smaller value is an older answer arriving late.
        replayed = position.map { max($0, replayed ?? 0) }
        releaseReplayed()
    }

    private mutating func releaseReplayed() {
        guard let replayed else { return }
        if !fences.isEmpty { fences = fences.filter { $0.value > replayed } }
    }

    /// Whether the replica may answer a read of this conversation's messages now.
    func mayRead(_ conversation: ConversationID) -> Bool {
        guard hearing, let replayed, !everythingUnfenced, !everythingResolving, everythingFence <= replayed,
            !unfenced.contains(conversation), !resolving.contains(conversation)
        else { return false }
        return (fences[conversation] ?? 0) <= replayed
    }

    /// Whether the replica may answer a read that may touch any conversation (a message looked up by its id).
    var mayReadAny: Bool {
        guard hearing, let replayed else { return false }
        return !pinnedWithoutFence && fences.isEmpty && everythingFence <= replayed
    }
}
