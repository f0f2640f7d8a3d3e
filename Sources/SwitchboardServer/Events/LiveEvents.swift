import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// The events of committed writes, handed to whoever listens right now (`GET /_switchboard/events`, which
/// `switchboard listen` and `TestServer.events` read): the same events the outbox delivers as webhooks, without a
/// subscription and without retries. Only this server's writes are seen (on PostgreSQL, not other instances').
///
/// Bounded: at most `maximumListeners` streams, each buffering its newest `bufferedEvents` events for a reader that
/// falls behind (older ones are dropped for it). Each response ends its stream when the server shuts down.
final class LiveEvents: Sendable {
    static let maximumListeners = 64
    static let bufferedEvents = 1_000

    private struct Listener {
        let location: LocationID
        let types: Set<String>
        let continuation: AsyncStream<WebhookEvent>.Continuation
    }

    private struct State {
        var listeners: [Int: Listener] = [:]
        var nextId = 0
    }

    private let state = Mutex(State())

    /// A stream of the location's events of `types` (every type when empty), or nil when too many listen already.
    func listen(to location: LocationID, types: Set<String>) -> AsyncStream<WebhookEvent>? {
        let (stream, continuation) = AsyncStream.makeStream(
            of: WebhookEvent.self, bufferingPolicy: .bufferingNewest(Self.bufferedEvents))
        let id: Int? = state.withLock { state in
            guard state.listeners.count < Self.maximumListeners else { return nil }
            defer { state.nextId += 1 }
            state.listeners[state.nextId] = Listener(location: location, types: types, continuation: continuation)
            return state.nextId
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
        }
        return stream
    }

    /// Hands committed events to their location's listeners.
    func publish(_ events: [WebhookEvent]) {
        let listeners = state.withLock { Array($0.listeners.values) }
        guard !listeners.isEmpty else { return }
        // An event for one subscription alone (a provider's message) is not the location's to see.
        for event in events where event.recipient == nil {
            for listener in listeners
            where listener.location == event.locationId && (listener.types.isEmpty || listener.types.contains(event.type)) {
                listener.continuation.yield(event)
            }
        }
    }

    var listenerCount: Int { state.withLock { $0.listeners.count } }
}

/// What a write announces once committed: the webhook dispatcher's doorbell, and the live listeners.
struct EventAnnouncer: Sendable {
    let doorbell: Doorbell
    let live: LiveEvents?

    func announce(_ events: [WebhookEvent]) {
        doorbell.ring()
        live?.publish(events)
    }
}
