import Logging
import ServiceLifecycle
import SwitchboardStorage

/// Drops every cached answer when the database changed in a way this process did not announce (another process
/// writing the same SQLite file: `switchboard import`, a second server). Checked every `interval`.
struct CacheWatcher<Store: ConversationStore>: Service {
    let store: Store
    let cache: ResponseCache
    let interval: Duration
    /// Set once the server's own start (migrations, a first start's location, token and demo data) is written: until
    /// then the watcher only follows the database, so those writes do not empty the cache 100 ms into the first
    /// requests. (A flag, not a wait: a server tested without a listener never sets it, and must still stop.)
    let started: Locked<Bool>
    let logger: Logger

    func run() async throws {
        var last = try? await store.changeToken(logger: logger)
        // Whether `last` was read after the start was written.
        var comparing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            do {
                // The flag first: a token read after it was set was read after the start's writes.
                let startWritten = started.withLock { $0 }
                let current = try await store.changeToken(logger: logger)
                if !comparing {
                    last = current
                    comparing = startWritten
                } else if current != last {
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
