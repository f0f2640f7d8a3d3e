import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// The events of committed writes, handed to whoever listens right now (`GET /_switchboard/events`, which
/// `switchboard listen`, `TestServer.events` and the web inbox read): the same events the outbox delivers as
/// webhooks, without a subscription and without retries. On PostgreSQL, other instances' events arrive here too,
/// through the event relay (`EventRelayService`).
///
/// Each event is numbered as it is published, and the newest `replayedEvents` (at most `replayedBytes` of payload)
/// can be replayed, so a listener whose connection dropped resumes after the last event it saw (SSE's
/// `Last-Event-ID`) without losing or repeating one. Numbers carry an epoch: a number from another epoch (before a
/// restart, or before `forgetHistory()`) or older than what is kept cannot resume, and the listener is told so.
///
/// Bounded: at most `maximumListeners` streams, `maximumListenersPerLocation` of them for one location, each
/// buffering `bufferedEvents` events for a reader that falls behind. A listener whose buffer overflows is ended
/// rather than silently skipped (the event that did not fit is not delivered, nor any later one): it reads what
/// is buffered, reconnects with its last id and is replayed what it missed, or told to read afresh. Each response ends its stream when the server shuts down.
final class LiveEvents: Sendable {
    static let maximumListeners = 64
    static let maximumListenersPerLocation = 16
    static let replayedEvents = 1_000
    static let replayedBytes = 32 << 20
    /// Room for a whole replay and what is published while it is being written.
    static let bufferedEvents = 2 * replayedEvents

    /// An event with its place in the sequence of an epoch.
    struct Numbered: Sendable {
        let epoch: String
        let sequence: Int
        let event: WebhookEvent

        /// The SSE id: `EPOCH.SEQUENCE`.
        var id: String { "\(epoch).\(sequence)" }
    }

    /// A stream, and whether events may be missing from it: the listener asked to resume after an event that is
    /// no longer kept (or from another epoch), so it should read the state afresh.
    struct Subscription {
        let events: AsyncStream<Numbered>
        let mayHaveMissedEvents: Bool
    }

    private struct Listener {
        let location: LocationID
        let types: Set<String>
        let continuation: AsyncStream<Numbered>.Continuation

        func wants(_ event: WebhookEvent) -> Bool {
            event.locationId == location && (types.isEmpty || types.contains(event.type))
        }
    }

    private struct State {
        var listeners: [Int: Listener] = [:]
        var nextListener = 0
        var epoch = LiveEvents.newEpoch()
        var nextSequence = 1
        /// The newest events, oldest first, and their payloads' bytes.
        var recent: [Numbered] = []
        var recentBytes = 0
    }

    private let state = Mutex(State())

    private static func newEpoch() -> String { String(UInt32.random(in: 0...UInt32.max), radix: 36) }

    /// A stream of the location's events of `types` (every type when empty), starting after the event `lastEventId`
    /// names when given; nil when too many listen already (in all, or to this location).
    func listen(to location: LocationID, types: Set<String>, after lastEventId: String? = nil) -> Subscription? {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Numbered.self, bufferingPolicy: .bufferingOldest(Self.bufferedEvents))
        let listener = Listener(location: location, types: types, continuation: continuation)
        let registered: (id: Int, gap: Bool)? = state.withLock { state in
            guard state.listeners.count < Self.maximumListeners,
                state.listeners.values.count(where: { $0.location == location }) < Self.maximumListenersPerLocation
            else { return nil }
            defer { state.nextListener += 1 }
            state.listeners[state.nextListener] = listener
            // Replayed under the lock, so no event published meanwhile comes before an older one.
            let oldestResumable = max(state.recent.first?.sequence ?? 1, state.nextSequence - Self.replayedEvents)
            guard let after = lastEventId.flatMap({ Self.sequence(in: $0, epoch: state.epoch) }),
                after < state.nextSequence, after + 1 >= oldestResumable
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

    /// The sequence number an event id of `epoch` names.
    private static func sequence(in eventId: String, epoch: String) -> Int? {
        let parts = eventId.split(separator: ".")
        guard parts.count == 2, parts[0] == epoch else { return nil }
        return Int(parts[1])
    }

    /// Numbers committed events, keeps them for resuming listeners, and hands them to their location's listeners.
    func publish(_ events: [WebhookEvent]) {
        // An event for one subscription alone (a provider's message) is not the location's to see.
        let events = events.filter { $0.recipient == nil }
        guard !events.isEmpty else { return }
        let overflowing: [AsyncStream<Numbered>.Continuation] = state.withLock { state in
            var overflowing: [AsyncStream<Numbered>.Continuation] = []
            for event in events {
                let numbered = Numbered(epoch: state.epoch, sequence: state.nextSequence, event: event)
                state.nextSequence += 1
                state.recent.append(numbered)
                state.recentBytes += event.payload.count
                for listener in state.listeners.values where listener.wants(event) {
                    if case .dropped = listener.continuation.yield(numbered) { overflowing.append(listener.continuation) }
                }
            }
            // Trimmed in batches (an array's front is costly to remove one by one), to the count and bytes kept.
            if state.recent.count > 2 * Self.replayedEvents || state.recentBytes > Self.replayedBytes {
                var drop = max(0, state.recent.count - Self.replayedEvents)
                var bytes = state.recent[..<drop].reduce(0) { $0 + $1.event.payload.count }
                while state.recentBytes - bytes > Self.replayedBytes && drop < state.recent.count {
                    bytes += state.recent[drop].event.payload.count
                    drop += 1
                }
                state.recent.removeFirst(drop)
                state.recentBytes -= bytes
            }
            return overflowing
        }
        // Outside the lock: ending a stream runs its termination handler, which takes the lock.
        for continuation in overflowing { continuation.finish() }
    }

    /// Starts a new epoch and ends every stream: what this instance was told may have missed events (another
    /// instance's, while the relay was not listening), so listeners reconnect and are told to read afresh.
    func forgetHistory() {
        let continuations = state.withLock { state in
            state.epoch = Self.newEpoch()
            state.recent = []
            state.recentBytes = 0
            return state.listeners.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish() }
    }

    var listenerCount: Int { state.withLock { $0.listeners.count } }

    /// The current epoch (tests build ids with it).
    var epoch: String { state.withLock { $0.epoch } }
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
