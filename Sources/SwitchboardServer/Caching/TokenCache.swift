import SwitchboardStorage
import SwitchboardCore

/// Remembers token lookups for one second, so a burst of requests costs one store read per token while a token
/// created or revoked by another process (the CLI) takes effect within that second.
///
/// Known tokens and unknown ones are kept apart, each bounded and least recently used out first: a flood of garbage
/// tokens fills only the negative side and never pushes out the tokens real clients use.
final class TokenCache: Sendable {
    private struct Entry {
        var token: StoredToken?
        var fetchedAt: ContinuousClock.Instant
    }

    private struct Entries {
        var known: LRUDictionary<TokenHash, Entry>
        var unknown: LRUDictionary<TokenHash, Entry>
    }

    private let entries: Locked<Entries>
    private let lifetime: Duration

    init(lifetime: Duration = .seconds(1), capacity: Int = 10_000, unknownCapacity: Int = 4_096) {
        self.lifetime = lifetime
        entries = Locked(
            Entries(
                known: LRUDictionary(maximumCount: capacity), unknown: LRUDictionary(maximumCount: unknownCapacity)))
    }

    /// The cached answer if it is fresh, else `.none`.
    func lookup(_ hash: TokenHash, now: ContinuousClock.Instant) -> StoredToken?? {
        lookupWithExpiry(hash, now: now).map { $0.0 }
    }

    /// The same, with the instant the answer stops being fresh.
    func lookupWithExpiry(_ hash: TokenHash, now: ContinuousClock.Instant) -> (StoredToken?, ContinuousClock.Instant)? {
        entries.withLock { entries in
            guard let entry = entries.known.value(forKey: hash) ?? entries.unknown.value(forKey: hash),
                now - entry.fetchedAt < lifetime
            else { return nil }
            return (entry.token, entry.fetchedAt + lifetime)
        }
    }

    func remember(_ token: StoredToken?, for hash: TokenHash, at time: ContinuousClock.Instant) {
        entries.withLock { entries in
            let entry = Entry(token: token, fetchedAt: time)
            if token == nil {
                entries.known.removeValue(forKey: hash)
                entries.unknown.insert(entry, forKey: hash)
            } else {
                entries.unknown.removeValue(forKey: hash)
                entries.known.insert(entry, forKey: hash)
            }
        }
    }

    /// Forgets every answer (a reset may have deleted the tokens).
    func forgetAll() {
        entries.withLock { entries in
            entries.known.removeAll()
            entries.unknown.removeAll()
        }
    }

    /// How many answers are remembered (known tokens, unknown ones).
    var counts: (known: Int, unknown: Int) {
        entries.withLock { ($0.known.count, $0.unknown.count) }
    }
}
