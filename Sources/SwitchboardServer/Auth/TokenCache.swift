import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// Remembers token lookups for one second, so a burst of requests costs one store read per token while a token
/// created or revoked by another process (the CLI) takes effect within that second.
final class TokenCache: Sendable {
    private struct Entry {
        var token: StoredToken?
        var fetchedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[TokenHash: Entry]>([:])
    private let lifetime: Duration
    private let capacity: Int

    init(lifetime: Duration = .seconds(1), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached answer if it is fresh, else `.none`.
    func lookup(_ hash: TokenHash, now: ContinuousClock.Instant) -> StoredToken?? {
        lookupWithExpiry(hash, now: now).map { $0.0 }
    }

    /// The same, with the instant the answer stops being fresh.
    func lookupWithExpiry(_ hash: TokenHash, now: ContinuousClock.Instant) -> (StoredToken?, ContinuousClock.Instant)? {
        entries.withLock { entries in
            guard let entry = entries[hash], now - entry.fetchedAt < lifetime else { return nil }
            return (entry.token, entry.fetchedAt + lifetime)
        }
    }

    func remember(_ token: StoredToken?, for hash: TokenHash, at time: ContinuousClock.Instant) {
        entries.withLock { entries in
            // Garbage tokens must not grow the cache without bound: start over when it is full.
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Entry(token: token, fetchedAt: time)
        }
    }
}
