import Foundation
public import Logging
import PostgresNIO
public import SwitchboardCore
public import SwitchboardStorage

/// The event relay on PostgreSQL: each instance NOTIFYs the events it committed on Switchboard's own channel, and
/// LISTENs there for the others'. A notification is one JSON object:
/// `{"v":1,"origin","type","location","conversation","createdAt","payload"}`, or, for an event whose payload would
/// not fit PostgreSQL's 8,000-byte limit, `"messageId"` in place of `"payload"` (the receiver reads the message).
/// An instance skips its own notifications (its listeners had the events first-hand) and ignores any it cannot read
/// (another version's, or malformed), so a bad notification costs nothing but itself.
///
/// Listened to by `PostgresChannelListener`: a ping every `pingInterval`, given up after `pingTimeout` unheard.
extension PostgresConversationStore: EventRelay {
    static let eventChannel = "switchboard_events"
    /// PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more.
    static let largestNotification = 7_999
    static let pingInterval: Duration = .seconds(10)
    static let pingTimeout: Duration = .seconds(25)

    public func relay(_ events: [WebhookEvent], logger: Logger) async throws {
        let notifications = events.compactMap(notification)
        guard !notifications.isEmpty else { return }
        // One statement: delivered together, in this order, to every listener.
        try await execute(
            "relayEvents",
            "SELECT pg_notify('\(unescaped: Self.eventChannel)', n) FROM unnest(\(notifications)::text[]) WITH ORDINALITY AS t(n, i) ORDER BY i",
            logger: logger)
    }

    public func receiveRelayedEvents(
        logger: Logger, listening: @Sendable () -> Void, _ receive: @Sendable ([RelayedEvent]) async -> Void
    ) async throws {
        let listener = PostgresChannelListener(
            channel: Self.eventChannel, pingInterval: Self.pingInterval, silenceLimit: Self.pingTimeout)
        try await listener.listen(store: self, logger: logger, listening: listening) { payload in
            guard let event = self.relayedEvent(payload) else { return }
            await receive([event])
        }
    }

    /// The notification of one event, or nil for one that is not the location's to see (a provider's own).
    func notification(_ event: WebhookEvent) -> String? {
        guard event.recipient == nil else { return nil }
        var json = JSONWriter(capacity: event.payload.count + 256)
        json.beginObject()
        json.key("v"); json.integer(1)
        json.key("origin"); json.string(relayOrigin)
        json.key("type"); json.string(event.type)
        json.key("location"); json.string(event.locationId.rawValue)
        if let conversation = event.conversationId {
            json.key("conversation"); json.string(conversation.rawValue)
        }
        json.key("createdAt"); json.integer(Int(event.createdAt.rawValue))
        var whole = json
        whole.key("payload"); whole.string(String(decoding: event.payload, as: UTF8.self))
        whole.endObject()
        // Measured as sent: the payload is escaped again inside the notification, so it can grow.
        if whole.bytes.count <= Self.largestNotification { return String(decoding: whole.bytes, as: UTF8.self) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any],
            let messageId = object["messageId"] as? String
        else { return nil }
        json.key("messageId"); json.string(messageId)
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// The event another instance relayed; nil for this instance's own, and for what it cannot read.
    func relayedEvent(_ text: String) -> RelayedEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object["v"] as? Int == 1, let origin = object["origin"] as? String, origin != relayOrigin,
            let type = object["type"] as? String, let location = (object["location"] as? String).map(LocationID.init),
            let createdAt = (object["createdAt"] as? Int).map({ Timestamp(rawValue: Int64($0)) })
        else { return nil }
        if let payload = object["payload"] as? String {
            return .event(
                WebhookEvent(
                    type: type, locationId: location,
                    conversationId: (object["conversation"] as? String).map(ConversationID.init), payload: Array(payload.utf8),
                    createdAt: createdAt))
        }
        guard let messageId = object["messageId"] as? String else { return nil }
        return .message(MessageID(rawValue: messageId), in: location, at: createdAt)
    }
}
