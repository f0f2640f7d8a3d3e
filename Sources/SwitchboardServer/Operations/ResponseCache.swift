import NIOCore
import Synchronization
import SwitchboardCore

/// Encoded answers of the hot read routes (message pages and single messages), kept until a write touches their
/// conversation. Each conversation has a generation that every write bumps after it commits; an answer computed
/// from a read that began before a write is stored only if the generation did not move meanwhile, so the cache
/// never serves what a completed write has changed.
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

    /// The body up to the trace id, so each response gets its own trace id: `prefix + traceId + "\"}"`.
    /// Kept as bytes for the full path and as a buffer the hot path writes without copying.
    struct Entry: Sendable {
        let prefix: [UInt8]
        let buffer: ByteBuffer
        let conversation: ConversationID

        init(prefix: [UInt8], conversation: ConversationID) {
            self.prefix = prefix
            self.buffer = ByteBuffer(bytes: prefix)
            self.conversation = conversation
        }
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var keysByConversation: [ConversationID: [Key]] = [:]
        var generations: [ConversationID: UInt64] = [:]
        var writes: UInt64 = 0  // every write, for answers whose conversation is not known in advance
        var epoch: UInt64 = 0  // moves when everything is dropped at once
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = capacity
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
        state.withLock { $0.entries[key] }
    }

    func store(_ entry: Entry, for key: Key, ticket: Ticket) {
        state.withLock { state in
            let current = ticket.conversation.map { state.generations[$0, default: 0] } ?? state.writes
            guard state.epoch == ticket.epoch, current == ticket.generation else { return }
            if state.entries.count >= capacity {
                state.entries.removeAll(keepingCapacity: true)
                state.keysByConversation.removeAll(keepingCapacity: true)
            }
            if state.entries.updateValue(entry, forKey: key) == nil {
                state.keysByConversation[entry.conversation, default: []].append(key)
            }
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
        state.withLock { state in
            state.epoch &+= 1
            state.entries.removeAll(keepingCapacity: true)
            state.keysByConversation.removeAll(keepingCapacity: true)
        }
    }
}
