import Logging
import ServiceLifecycle
import SwitchboardStorage

/// Keeps what one instance among several on a shared database derives from the messages fresh — its response cache,
/// its read replica's routing: every commit the change feed hears is told to `writes` (this instance's own writes
/// were told already, before they were acknowledged, so a reader always sees its own writes). While the feed is not
/// listening (starting, lost, silent past its limit) neither answers anything: requests are served from the primary
/// database, never stale.
struct CacheCoherence: Service {
    let feed: any ChangeFeed
    let writes: CommittedWrites
    let metrics: ServerMetrics
    let logger: Logger
    /// How long to wait before listening again after the feed was lost.
    static var relistenDelay: Duration { .milliseconds(250) }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await feed.receiveChanges(logger: logger, listening: {
                        writes.startHearing()
                        metrics.recordCacheServing(true)
                    }) { change in
                        switch change {
                        case .conversations(let conversations): writes.invalidate(conversations)
                        case .everything: writes.invalidateAll()
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning(
                            "the cache stopped serving: the database's change feed was lost",
                            metadata: ["error": "\(error)"])
                    }
                }
                writes.stopHearing()
                metrics.recordCacheServing(false)
                if !Task.isCancelled { metrics.recordCacheFeedLost() }
                try? await Task.sleep(for: Self.relistenDelay)
            }
        }
    }
}
