public import SwitchboardStorage

/// What instances serving one database coordinate through (PostgreSQL provides all three; a SQLite file has one
/// server and needs none): live events relayed to the others' listeners, every writer's changes heard so that each
/// instance may cache, and one set of rate-limit counters for the cluster.
public struct SharedDatabase: Sendable {
    public var events: any EventRelay
    public var changes: any ChangeFeed
    public var rateLimits: any RateLimitLedger
    /// A streaming replica that answers some reads, told of every committed change (`--read-database`).
    public var replica: (any ReplicaReads)?

    public init(
        events: any EventRelay, changes: any ChangeFeed, rateLimits: any RateLimitLedger,
        replica: (any ReplicaReads)? = nil
    ) {
        self.events = events
        self.changes = changes
        self.rateLimits = rateLimits
        self.replica = replica
    }

    /// A store that coordinates through itself.
    public init(_ store: some EventRelay & ChangeFeed & RateLimitLedger, replica: (any ReplicaReads)? = nil) {
        self.init(events: store, changes: store, rateLimits: store, replica: replica)
    }
}
