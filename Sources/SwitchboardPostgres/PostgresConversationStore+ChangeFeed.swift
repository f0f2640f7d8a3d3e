import Foundation
public import Logging
import PostgresNIO
import Synchronization
public import SwitchboardCore
public import SwitchboardStorage

/// The change feed on PostgreSQL: LISTEN on the channel the message triggers NOTIFY (migration 014), on a
/// connection of its own. A connection the network drops, or a database frozen mid-way, sends no error, so the
/// feed pings itself through the store's pool every `changePingInterval` and gives up listening once it has heard
/// nothing for `silenceLimit`; the caller drops its cache and listens again.
extension PostgresConversationStore: ChangeFeed {
    static let changePingInterval: Duration = .milliseconds(250)
    /// How long the feed waits to be listening before it tries again with a new connection.
    static let changeConnectLimit: Duration = .seconds(3)

    public var silenceLimit: Duration { .seconds(1) }

    public func receiveChanges(
        logger: Logger, listening: @Sendable () -> Void, _ changed: @Sendable (ChangedConversations) -> Void
    ) async throws {
        let listener = PostgresClient(configuration: listenerConfiguration, backgroundLogger: logger)
        let heard = HeardAt()
        let ping = #"{"v":1,"ping":""# + relayOrigin + #""}"#
        let channel = PostgresMigrations.changeChannel
        let silenceLimit = silenceLimit
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await listener.run() }
            group.addTask {
                while true {
                    // Only once listening: while the database is away, a ping would only add a failure to the log.
                    if heard.silence != nil {
                        try? await self.execute("changePing", "SELECT pg_notify(\(channel), \(ping))", logger: logger)
                    }
                    try await Task.sleep(for: Self.changePingInterval)
                }
            }
            group.addTask {
                // Apart from the pings: a ping that hangs (a frozen database) must not hold up the verdict.
                let start = ContinuousClock.now
                while true {
                    try await Task.sleep(for: .milliseconds(50))
                    if let silence = heard.silence {
                        if silence > silenceLimit { throw ChangeFeedSilent(silence: silence) }
                    } else if ContinuousClock.now - start > Self.changeConnectLimit {
                        // A fresh client next time, rather than postgres-nio's reconnect backoff (up to a minute).
                        throw ChangeFeedSilent(silence: ContinuousClock.now - start)
                    }
                }
            }
            try await listener.withConnection { connection in
                // The schema the store's tables are in (the listener has the store's search_path).
                let schema = try await connection.fetch("SELECT current_schema()", logger: logger) {
                    try $0.decode(String.self)
                }.first ?? "public"
                try await connection.listen(on: channel) { notifications in
                    heard.mark()
                    listening()
                    for try await notification in notifications {
                        heard.mark()
                        if let change = Self.change(notification.payload, schema: schema) { changed(change) }
                    }
                }
            }
            throw ChangeFeedSilent(silence: heard.silence ?? .zero)
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

/// The change feed's LISTEN connection was lost, or heard nothing for too long.
struct ChangeFeedSilent: Error, CustomStringConvertible {
    let silence: Duration
    var description: String { "the change feed heard nothing for \(silence)" }
}
