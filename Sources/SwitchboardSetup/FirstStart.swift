public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// What a first start on an empty store created: shown once, because the token is stored only as a hash.
public struct FirstStart: Sendable {
    public var location: Location
    public var token: String
}

public enum StoreSetup {
    /// On a store with no location yet, creates one and a token with every scope.
    public static func initialiseIfEmpty(
        _ store: some ConversationStore, now: Timestamp, logger: Logger
    ) async throws -> FirstStart? {
        guard try await store.locations(logger: logger).isEmpty else { return nil }
        let location = Location(id: .generate(), name: "Switchboard", dateAdded: now)
        try await store.createLocation(location, logger: logger)
        let token = try await issueToken(
            store, location: location.id, scopes: Set(Scope.allCases), name: "first start", now: now, logger: logger)
        return FirstStart(location: location, token: token)
    }

    /// Creates a private integration token and returns it; only its hash is stored.
    public static func issueToken(
        _ store: some ConversationStore, location: LocationID, scopes: Set<Scope>, name: String, now: Timestamp,
        logger: Logger
    ) async throws -> String {
        let (token, record) = PrivateIntegrationToken.issue(location: location, scopes: scopes, name: name, at: now)
        try await store.createToken(record, logger: logger)
        return token
    }
}
