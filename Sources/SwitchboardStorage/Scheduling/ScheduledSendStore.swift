public import Logging
public import SwitchboardCore

/// A message sent with `scheduledTimestamp`, waiting for its time.
public struct ScheduledSend: Sendable, Hashable {
    public var messageId: MessageID
    public var locationId: LocationID
    public var dueAt: Timestamp
    /// An event held back until the message is sent, besides the message's own: a custom provider's
    /// `ProviderOutboundMessage`, made when the message was (its payload needs the send's subject and addresses,
    /// which the message does not keep).
    public var held: WebhookEvent?

    public init(messageId: MessageID, locationId: LocationID, dueAt: Timestamp, held: WebhookEvent? = nil) {
        self.messageId = messageId
        self.locationId = locationId
        self.dueAt = dueAt
        self.held = held
    }

    /// The held event a stored row's columns (type, payload, recipient) make; its conversation and date are the sent
    /// message's (`sent(_:at:)`).
    public static func held(type: String?, payload: String?, recipient: String?, in location: LocationID) -> WebhookEvent? {
        guard let type, let payload else { return nil }
        return WebhookEvent(
            type: type, locationId: location, conversationId: nil, payload: Array(payload.utf8), createdAt: .earliest,
            recipient: recipient)
    }

    /// The held event as it goes out with `message`, sent at `time`.
    public func heldEvent(sending message: Message, at time: Timestamp) -> WebhookEvent? {
        guard var event = held else { return nil }
        event.conversationId = message.conversationId
        event.createdAt = time
        return event
    }
}

/// The scheduling room of the store: a scheduled send is stored at once (status `scheduled`, no event) and sent
/// when the server's clock passes its time (status, `dateUpdated`, and its event, in one transaction).
public protocol ScheduledSendStore: Sendable {
    /// Stores the message and when it is due, in one transaction; no event is written until it is sent, `held` then
    /// with the message's own.
    func insertScheduledMessage(_ message: Message, dueAt: Timestamp, held: WebhookEvent?, logger: Logger) async throws
    /// When the earliest waiting send is due; nil when none waits (the sender then leaves the clock unread: a test
    /// clock that ticks on every read keeps its dates).
    func earliestScheduledSend(logger: Logger) async throws -> Timestamp?
    /// The sends due at or before `time`, earliest first.
    func dueScheduledSends(at time: Timestamp, limit: Int, logger: Logger) async throws -> [ScheduledSend]
    /// Sends it: its schedule goes, the message takes `status` and `time` (as `dateUpdated`), and its event (then the
    /// held one, dated `time`) is written to the outbox, in one transaction. Nil when it is no longer scheduled (cancelled, or sent by another instance).
    func completeScheduledSend(_ send: ScheduledSend, status: String, at time: Timestamp, logger: Logger) async throws
        -> Message?
    /// Cancels it: its schedule goes and the message takes status `cancelled` (and its event). Nil when that message
    /// is not waiting to be sent.
    func cancelScheduledSend(_ id: MessageID, in location: LocationID, at time: Timestamp, logger: Logger) async throws
        -> Message?
}
