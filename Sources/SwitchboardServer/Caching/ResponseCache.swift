import NIOCore
import SwitchboardStorage
import SwitchboardCore

/// Encoded answers of the hot read routes (message pages and single messages), kept until a write touches their
/// conversation. Each conversation has a generation that every write bumps after it commits; an answer computed
/// from a read that began before a write is stored only if the generation did not move meanwhile, so the cache
/// never serves what a completed write has changed. Bounded by `Limits` (bytes and entries, least recently used
/// out first), so no sequence of requests can grow it past its budget.
final class ResponseCache: Sendable {
    /// Everything that selects one answer. `kind` separates pages from single messages.
    struct Key: Hashable, Sendable {
        enum Kind: UInt8, Sendable { case page, message }
        var kind: Kind
        var location: LocationID
        var conversation: ConversationID
        var item: String  // the cursor (page) or the message id (message)
        var limit: Int
        var filter: [Int]
    }

    /// The body up to the trace id, so each response gets its own trace id: `prefix + traceId + "\"}"`. One copy,
    /// as a buffer: the hot path writes it without copying, the full path copies it once into its response.
    struct Entry: Sendable {
        let prefix: ByteBuffer
        let conversation: ConversationID

        init(prefix: [UInt8], conversation: ConversationID) {
            self.prefix = ByteBuffer(bytes: prefix)
            self.conversation = conversation
        }
    }

    private struct State {
        var entries: LRUDictionary<Key, Entry>
        var keysByConversation: [ConversationID: Set<Key>] = [:]
        var generations: [ConversationID: UInt64] = [:]
        var writes: UInt64 = 0  // every write, for answers whose conversation is not known in advance
        var epoch: UInt64 = 0  // moves when everything is dropped at once
        /// False while writes may go unheard (another instance's, with the change feed not listening).
        var serving: Bool

        mutating func dropAll() {
            epoch &+= 1
            entries.removeAll()
            keysByConversation.removeAll(keepingCapacity: true)
        }

        mutating func forget(_ key: Key, of conversation: ConversationID) {
            guard var keys = keysByConversation[conversation] else { return }
            keys.remove(key)
            keysByConversation[conversation] = keys.isEmpty ? nil : keys
        }
    }

    /// The bounds: the bytes of every answer kept (their keys included), and how many answers.
    struct Limits: Sendable {
        var bytes: Int
        var entries: Int
        /// An answer larger than this is served but not kept: one huge page must not push out thousands of others.
        var largestEntry: Int

        init(bytes: Int = 64 << 20, entries: Int = 50_000) {
            self.bytes = bytes
            self.entries = entries
            largestEntry = max(bytes / 16, 1)
        }
    }

    private let state: Locked<State>
    let limits: Limits

    /// `serving`: false for a cache whose writes are heard through a change feed, until it listens (`startServing`).
    init(limits: Limits = Limits(), serving: Bool = true) {
        self.limits = limits
        state = Locked(
            State(entries: LRUDictionary(maximumCount: limits.entries, maximumCost: limits.bytes), serving: serving))
    }

    /// Bytes held by the answers, as counted against `limits.bytes`.
    var bytesHeld: Int { state.withLock { $0.entries.totalCost } }
    var count: Int { state.withLock { $0.entries.count } }

    /// What an answer costs: its bytes, its key's strings and a fixed share for the bookkeeping around them.
    static func cost(of entry: Entry, key: Key) -> Int {
        entry.prefix.readableBytes + key.item.utf8.count + key.conversation.rawValue.utf8.count
            + key.location.rawValue.utf8.count + key.filter.count * 8 + 256
    }

    /// Taken before the read that computes an answer, and handed back to `store`. With a conversation, only writes
    /// to that conversation void it; without one (a message looked up by id), any write does.
    struct Ticket: Sendable {
        let conversation: ConversationID?
        let generation: UInt64
        let epoch: UInt64
    }

    func ticket(for conversation: ConversationID?) -> Ticket {
        state.withLock { state in
            Ticket(
                conversation: conversation,
                generation: conversation.map { state.generations[$0, default: 0] } ?? state.writes,
                epoch: state.epoch)
        }
    }

    func lookup(_ key: Key) -> Entry? {
        state.withLock { $0.serving ? $0.entries.value(forKey: key) : nil }
    }

    func store(_ entry: Entry, for key: Key, ticket: Ticket) {
        state.withLock { state in
            let current = ticket.conversation.map { state.generations[$0, default: 0] } ?? state.writes
            guard state.serving, state.epoch == ticket.epoch, current == ticket.generation else { return }
            let cost = Self.cost(of: entry, key: key)
            guard cost <= limits.largestEntry else { return }
            if let replaced = state.entries.peek(key), replaced.conversation != entry.conversation {
                state.forget(key, of: replaced.conversation)
            }
            for (evictedKey, evicted) in state.entries.insert(entry, forKey: key, cost: cost) {
                state.forget(evictedKey, of: evicted.conversation)
            }
            state.keysByConversation[entry.conversation, default: []].insert(key)
        }
    }

    /// Called after a write to these conversations has committed, before it is acknowledged.
    func invalidate(_ conversations: some Sequence<ConversationID>) {
        state.withLock { state in
            state.writes &+= 1
            for conversation in conversations {
                state.generations[conversation, default: 0] &+= 1
                for key in state.keysByConversation.removeValue(forKey: conversation) ?? [] {
                    state.entries.removeValue(forKey: key)
                }
            }
        }
    }

    /// Drops everything: another process changed the database.
    func invalidateAll() {
        state.withLock { $0.dropAll() }
    }

    /// Drops everything and neither answers nor keeps answers until `startServing`: writes may go unheard.
    func stopServing() {
        state.withLock { state in
            state.dropAll()
            state.serving = false
        }
    }

    /// Every later write is heard again; what was read before is not trusted (a write may have gone unheard).
    func startServing() {
        state.withLock { state in
            state.dropAll()
            state.serving = true
        }
    }
}
