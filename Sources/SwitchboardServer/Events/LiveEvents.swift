import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// The events of committed writes, handed to whoever listens right now (`GET /_switchboard/events`, which
/// `switchboard listen`, `TestServer.events` and the web inbox read): the same events the outbox delivers as
/// webhooks, without a subscription and without retries. Only this server's writes are seen (on PostgreSQL, not
/// other instances').
///
/// Each event is numbered as it is published, and the newest `replayedEvents` can be replayed, so a listener whose
/// connection dropped resumes after the last event it saw (SSE's `Last-Event-ID`) without losing or repeating one.
/// Numbers carry the process's epoch: a number from before a restart, or older than what is kept, cannot resume.
///
/// Bounded: at most `maximumListeners` streams, each buffering its newest `bufferedEvents` events for a reader that
/// falls behind (older ones are dropped for it). Each response ends its stream when the server shuts down.
final class LiveEvents: Sendable {
    static let maximumListeners = 64
    static let bufferedEvents = 1_000
    /// How far back a listener can resume: no more than its stream buffers, so a replay is never cut short.
    static let replayedEvents = bufferedEvents

    /// An event with its place in this process's sequence.
    struct Numbered: Sendable {
        let sequence: Int
        let event: WebhookEvent
    }

    /// A stream, and whether events may be missing from it: the listener asked to resume after an event that is
    /// no longer kept (or from before a restart), so it should read the state afresh.
    struct Subscription {
        let events: AsyncStream<Numbered>
        let mayHaveMissedEvents: Bool
    }

    private struct Listener {
        let location: LocationID
        let types: Set<String>
        let continuation: AsyncStream<Numbered>.Continuation

        func wants(_ event: WebhookEvent) -> Bool {
            // An event for one subscription alone (a provider's message) is not the location's to see.
            event.recipient == nil && event.locationId == location && (types.isEmpty || types.contains(event.type))
        }
    }

    private struct State {
        var listeners: [Int: Listener] = [:]
        var nextListener = 0
        var nextSequence = 1
        /// The newest events, oldest first (trimmed in batches, so at most twice `replayedEvents`).
        var recent: [Numbered] = []
    }

    private let state = Mutex(State())
    /// Distinguishes this process's event ids from another's (a restart starts numbering again).
    let epoch = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    /// The SSE id of an event: `EPOCH.SEQUENCE`.
    func eventId(_ numbered: Numbered) -> String { "\(epoch).\(numbered.sequence)" }

    /// A stream of the location's events of `types` (every type when empty), starting after the event `lastEventId`
    /// names when given; nil when too many listen already.
    func listen(to location: LocationID, types: Set<String>, after lastEventId: String? = nil) -> Subscription? {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Numbered.self, bufferingPolicy: .bufferingNewest(Self.bufferedEvents))
        let listener = Listener(location: location, types: types, continuation: continuation)
        let resumeAfter = lastEventId.flatMap(sequence(in:))
        let registered: (id: Int, gap: Bool)? = state.withLock { state in
            guard state.listeners.count < Self.maximumListeners else { return nil }
            defer { state.nextListener += 1 }
            state.listeners[state.nextListener] = listener
            // Replayed under the lock, so no event published meanwhile comes before an older one.
            let oldestResumable = max(state.recent.first?.sequence ?? 1, state.nextSequence - Self.replayedEvents)
            guard let after = resumeAfter, after < state.nextSequence, after + 1 >= oldestResumable
            else { return (state.nextListener, lastEventId != nil) }
            for numbered in state.recent where numbered.sequence > after && listener.wants(numbered.event) {
                continuation.yield(numbered)
            }
            return (state.nextListener, false)
        }
        guard let registered else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: registered.id) }
        }
        return Subscription(events: stream, mayHaveMissedEvents: registered.gap)
    }

    /// The sequence number of one of this process's event ids.
    private func sequence(in eventId: String) -> Int? {
        let parts = eventId.split(separator: ".")
        guard parts.count == 2, parts[0] == epoch else { return nil }
        return Int(parts[1])
    }

    /// Numbers committed events, keeps them for resuming listeners, and hands them to their location's listeners.
    func publish(_ events: [WebhookEvent]) {
        state.withLock { state in
            for event in events where event.recipient == nil {
                let numbered = Numbered(sequence: state.nextSequence, event: event)
                state.nextSequence += 1
                state.recent.append(numbered)
                for listener in state.listeners.values where listener.wants(event) {
                    listener.continuation.yield(numbered)
                }
            }
            if state.recent.count > 2 * Self.replayedEvents {
                state.recent.removeFirst(state.recent.count - Self.replayedEvents)
            }
        }
    }

    var listenerCount: Int { state.withLock { $0.listeners.count } }
}

/// What a write announces once committed: the webhook dispatcher's doorbell, the live listeners, and, on a
/// database several instances serve, the other instances (through `EventRelayService`).
struct EventAnnouncer: Sendable {
    let doorbell: Doorbell
    let live: LiveEvents
    /// The queue of events for the other instances, in commit order; nil when the store has no relay.
    let relay: AsyncStream<[WebhookEvent]>.Continuation?

    func announce(_ events: [WebhookEvent]) {
        doorbell.ring()
        live.publish(events)
        relay?.yield(events)
    }
}
