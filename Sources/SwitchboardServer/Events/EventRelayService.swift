import Logging
import ServiceLifecycle
import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// Joins this instance's live events to the other instances' on one database (a service while the store has an
/// `EventRelay`): what this instance commits goes out in commit order; what the others commit comes in, to this
/// instance's live listeners and its webhook dispatcher's doorbell (their outbox rows are already committed).
struct EventRelayService<Store: ConversationStore>: Service {
    let relay: any EventRelay
    let store: Store
    let outgoing: AsyncStream<[WebhookEvent]>
    let live: LiveEvents
    let doorbell: Doorbell
    let logger: Logger
    /// How long to wait before listening again after the listening connection was lost.
    static var relistenDelay: Duration { .seconds(1) }
    /// Batches waiting to go out; past this, the oldest are dropped (other instances' listeners miss them).
    static var queuedBatches: Int { 10_000 }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await sendOutgoing() }
                group.addTask { await receiveIncoming() }
            }
        }
    }

    private func sendOutgoing() async {
        for await events in outgoing {
            do {
                try await relay.relay(events, logger: logger)
            } catch {
                // Best effort: the events are committed and delivered as webhooks; other instances' live
                // listeners miss them.
                logger.warning("events could not be relayed to other instances", metadata: ["error": "\(error)"])
            }
        }
    }

    private func receiveIncoming() async {
        let listenedBefore = Mutex(false)
        while !Task.isCancelled {
            do {
                try await relay.receiveRelayedEvents(logger: logger, listening: {
                    // Listening again after a loss: what other instances wrote meanwhile was not heard, so live
                    // listeners start over (they reconnect and are told to read afresh).
                    if listenedBefore.withLock({ before in defer { before = true }; return before }) {
                        live.forgetHistory()
                    }
                }) { relayed in
                    var events: [WebhookEvent] = []
                    for item in relayed {
                        switch item {
                        case .event(let event):
                            events.append(event)
                        case .message(let id, let location, let time):
                            // Too large to relay whole: the message is read again (as it is now, which may be
                            // newer than when the event was written).
                            if let message = try? await store.message(id, in: location, logger: logger) {
                                events.append(await store.messageEvent(message, at: time, logger: logger))
                            }
                        }
                    }
                    live.publish(events)
                    doorbell.ring()
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("listening for other instances' events failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: Self.relistenDelay)
        }
    }
}
