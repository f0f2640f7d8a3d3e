import Logging
import PostgresNIO
import Synchronization

/// How an instance listens on one of its channels (the event relay's, the change feed's): LISTEN on a connection of
/// its own, not one of the store's pool. A connection the network drops, or a database frozen mid-way, sends no
/// error, so once listening it NOTIFYs itself a ping through the store's pool every `pingInterval` and gives up when
/// the channel has been silent for `silenceLimit`, or when it is not listening within `connectLimit` (a fresh
/// client next time, rather than postgres-nio's reconnect backoff of up to a minute). The caller listens again.
struct PostgresChannelListener: Sendable {
    let channel: String
    let pingInterval: Duration
    let silenceLimit: Duration
    static let connectLimit: Duration = .seconds(3)

    /// The ping this instance sends itself on the channel; receivers skip it.
    static func ping(from origin: String) -> String { #"{"v":1,"ping":""# + origin + #""}"# }

    /// Calls `listening` once listening, then `receive` with each notification's payload (its own pings left out),
    /// until cancelled; throws `ChannelSilent` when it gives up.
    func listen(
        store: PostgresConversationStore, logger: Logger, listening: @Sendable () -> Void,
        _ receive: @Sendable (String) async -> Void
    ) async throws {
        let listener = PostgresClient(configuration: store.listenerConfiguration, backgroundLogger: logger)
        let heard = HeardAt()
        let ping = Self.ping(from: store.relayOrigin)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await listener.run() }
            group.addTask { [channel, pingInterval] in
                while true {
                    // Only once listening: while the database is away, a ping would only add a failure to the log.
                    if heard.silence != nil {
                        try? await store.execute("ping", "SELECT pg_notify(\(channel), \(ping))", logger: logger)
                    }
                    try await Task.sleep(for: pingInterval)
                }
            }
            group.addTask { [silenceLimit] in
                // Apart from the pings: a ping that hangs (a frozen database) must not hold up the verdict.
                let start = ContinuousClock.now
                while true {
                    try await Task.sleep(for: .milliseconds(50))
                    if let silence = heard.silence {
                        if silence > silenceLimit { throw ChannelSilent(silence: silence) }
                    } else if ContinuousClock.now - start > Self.connectLimit {
                        throw ChannelSilent(silence: ContinuousClock.now - start)
                    }
                }
            }
            try await listener.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    heard.mark()
                    listening()
                    for try await notification in notifications {
                        heard.mark()
                        if notification.payload != ping { await receive(notification.payload) }
                    }
                }
            }
            throw ChannelSilent(silence: heard.silence ?? .zero)
        }
    }
}

/// A listening connection was lost, or heard nothing for too long.
struct ChannelSilent: Error, CustomStringConvertible {
    let silence: Duration
    var description: String { "the LISTEN connection heard nothing for \(silence)" }
}

/// When a listener last heard its channel.
final class HeardAt: Sendable {
    private let time = Mutex<ContinuousClock.Instant?>(nil)
    func mark() { time.withLock { $0 = .now } }
    /// Since it last heard; nil until it first heard (it is not listening yet).
    var silence: Duration? { time.withLock { $0 }.map { ContinuousClock.now - $0 } }
}
