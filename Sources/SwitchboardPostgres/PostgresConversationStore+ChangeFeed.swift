import Foundation
public import Logging
import PostgresNIO
import SwitchboardCore
public import SwitchboardStorage

/// The change feed on PostgreSQL: LISTEN on the channel the message triggers NOTIFY (migration 014), through
/// `PostgresChannelListener` with a ping every 250 ms, given up after 1 s unheard: the longest a cached answer can
/// outlive a write nobody heard of. The caller drops its cache and listens again.
extension PostgresConversationStore: ChangeFeed {
    static let changePingInterval: Duration = .milliseconds(250)
    static let changeSilenceLimit: Duration = .seconds(1)

    public func receiveChanges(
        logger: Logger, listening: @Sendable () -> Void, _ changed: @Sendable (ChangedConversations) -> Void
    ) async throws {
        // The schema the store's tables are in (the pool has the store's search_path).
        let schema = try await fetch("currentSchema", "SELECT current_schema()", logger: logger) {
            try $0.decode(String.self)
        }.first ?? "public"
        let listener = PostgresChannelListener(
            channel: PostgresMigrations.changeChannel, pingInterval: Self.changePingInterval,
            silenceLimit: Self.changeSilenceLimit)
        try await listener.listen(store: self, logger: logger, listening: listening) { payload in
            if let change = Self.change(payload, schema: schema) { changed(change) }
        }
    }

    /// What a notification says changed in `schema`; nil for a ping, and for another schema's changes. What cannot
    /// be read (malformed, another version's) may have changed anything.
    static func change(_ text: String, schema: String) -> ChangedConversations? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object["v"] as? Int == 1
        else { return .everything }
        if object["ping"] is String { return nil }
        guard object["schema"] as? String == schema else { return object["schema"] is String ? nil : .everything }
        if let ids = object["conversations"] as? [String] { return .conversations(ids.map(ConversationID.init)) }
        return .everything
    }
}
