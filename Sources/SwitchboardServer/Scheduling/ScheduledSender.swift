import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Sends scheduled messages (`scheduledTimestamp`) once the server's clock passes their time: it looks every second,
/// and the control API asks it at once when the test clock moves, so a test that advances the clock finds them sent.
/// Several instances on one database may look together: the store lets one of them send each message.
final class ScheduledSender: Service, Sendable {
    private let store: any ScheduledSendStore & EmailStore
    private let writes: CommittedWrites
    private let now: @Sendable () -> Timestamp
    private let events: EventAnnouncer
    private let logger = Logger(label: "switchboard.scheduled-sends")
    /// How many due sends one store read takes.
    static let batch = 100

    init(
        store: any ScheduledSendStore & EmailStore, writes: CommittedWrites, now: @escaping @Sendable () -> Timestamp,
        events: EventAnnouncer
    ) {
        self.store = store
        self.writes = writes
        self.now = now
        self.events = events
    }

    func run() async throws {
        await repeatUntilShutdown(first: .seconds(1), every: .seconds(1), logger: logger, failure: "scheduled sends not sent yet") {
            try await self.sendDue()
        }
    }

    /// Sends every message due by now, each dated its scheduled time, with its event; returns how many it sent.
    @discardableResult
    func sendDue() async throws -> Int {
        var sent = 0
        while let earliest = try await store.earliestScheduledSend(logger: logger) {
            let time = now()
            guard earliest <= time else { return sent }
            let due = try await store.dueScheduledSends(at: time, limit: Self.batch, logger: logger)
            for send in due {
                guard
                    // A send through a custom provider waits for the provider's report, as one sent at once does.
                    let message = try await store.completeScheduledSend(
                        send, status: send.held == nil ? "delivered" : "pending", at: send.dueAt, logger: logger)
                else { continue }
                writes.invalidate([message.conversationId])
                events.announce([await store.messageEvent(message, at: message.dateUpdated, logger: logger)])
                sent += 1
            }
            if due.count < Self.batch { return sent }
        }
        return sent
    }
}
