import Logging
import ServiceLifecycle
import SwitchboardStorage

/// Drops every cached answer when the database changed in a way this process did not announce (another process
/// writing the same SQLite file: `switchboard import`, a second server). Checked every `interval`.
struct CacheWatcher<Store: ConversationStore>: Service, CustomStringConvertible {
    /// What ServiceLifecycle names it by (it would otherwise describe every stored value).
    var description: String { "cache watcher" }

    let store: Store
    let cache: ResponseCache
    let interval: Duration
    /// Rung when the server's own start (migrations, a first start's location, token and demo data) is written:
    /// the database is compared with its state from then on, so those writes do not empty the cache 100 ms into the
    /// first requests.
    let started: Doorbell
    let logger: Logger

    func run() async throws {
        await started.wait()
        var last = try? await store.changeToken(logger: logger)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            do {
                let current = try await store.changeToken(logger: logger)
                if current != last {
                    cache.invalidateAll()
                    last = current
                }
            } catch {
                // Unknown state: forget everything rather than risk a stale answer.
                cache.invalidateAll()
                logger.warning("cache watcher could not read the database", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }
}
