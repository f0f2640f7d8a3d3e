import Logging
import ServiceLifecycle
import SwitchboardStorage

/// Keeps the response cache of one instance among several on a shared database fresh: every commit the change feed
/// hears drops the answers of the conversations it changed (this instance's own writes were dropped already, before
/// they were acknowledged, so a reader always sees its own writes). While the feed is not listening (starting,
/// lost, silent past its limit) the cache answers nothing: requests are served from the database, never stale.
struct CacheCoherence: Service {
    let feed: any ChangeFeed
    let cache: ResponseCache
    let metrics: ServerMetrics
    let logger: Logger
    /// How long to wait before listening again after the feed was lost.
    static var relistenDelay: Duration { .milliseconds(250) }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await feed.receiveChanges(logger: logger, listening: {
                        cache.startServing()
                        metrics.recordCacheServing(true)
                    }) { change in
                        switch change {
                        case .conversations(let conversations): cache.invalidate(conversations)
                        case .everything: cache.invalidateAll()
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning(
                            "the cache stopped serving: the database's change feed was lost",
                            metadata: ["error": "\(error)"])
                    }
                }
                cache.stopServing()
                metrics.recordCacheServing(false)
                if !Task.isCancelled { metrics.recordCacheFeedLost() }
                try? await Task.sleep(for: Self.relistenDelay)
            }
        }
    }
}
