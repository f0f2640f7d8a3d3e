public import Logging
public import SwitchboardCore

/// What `switchboard export-seed` reads besides the paged message export: a location's contacts and conversations,
/// whole. Seed files are fixtures; a store too big to hold its contacts in memory is not one.
public protocol FixtureStore: Sendable {
    /// Oldest first (then by id).
    func allContacts(in location: LocationID, logger: Logger) async throws -> [Contact]
    /// Oldest first (then by id), deleted ones included.
    func allConversations(in location: LocationID, logger: Logger) async throws -> [Conversation]
}
