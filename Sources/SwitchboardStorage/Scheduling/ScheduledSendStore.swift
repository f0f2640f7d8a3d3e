public import Logging
public import SwitchboardCore

/// A message sent with `scheduledTimestamp`, waiting for its time.
public struct ScheduledSend: Sendable, Hashable {
    public var messageId: MessageID
    public var locationId: LocationID
    public var dueAt: Timestamp

    public init(messageId: MessageID, locationId: LocationID, dueAt: Timestamp) {
        self.messageId = messageId
        self.locationId = locationId
        self.dueAt = dueAt
    }
}

/// The scheduling room of the store: a scheduled send is stored at once (status `scheduled`, no event) and sent
/// when the server's clock passes its time (status, `dateUpdated`, and its event, in one transaction).
public protocol ScheduledSendStore: Sendable {
    /// Stores the message and when it is due, in one transaction; no event is written until it is sent.
    func insertScheduledMessage(_ message: Message, dueAt: Timestamp, logger: Logger) async throws
    /// When the earliest waiting send is due; nil when none waits (the sender then leaves the clock unread: a test
    /// clock that ticks on every read keeps its dates).
    func earliestScheduledSend(logger: Logger) async throws -> Timestamp?
    /// The sends due at or before `time`, earliest first.
    func dueScheduledSends(at time: Timestamp, limit: Int, logger: Logger) async throws -> [ScheduledSend]
    /// Sends it: its schedule goes, the message takes `status` and `time` (as `dateUpdated`), and its event is written
    /// to the outbox, in one transaction. Nil when it is no longer scheduled (cancelled, or sent by another instance).
    func completeScheduledSend(_ send: ScheduledSend, status: String, at time: Timestamp, logger: Logger) async throws
        -> Message?
    /// Cancels it: its schedule goes and the message takes status `cancelled` (and its event). Nil when that message
    /// is not waiting to be sent.
    func cancelScheduledSend(_ id: MessageID, in location: LocationID, at time: Timestamp, logger: Logger) async throws
        -> Message?
}
