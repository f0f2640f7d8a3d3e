import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    /// Answers cached before the reset are of data that is gone.
    func reset(_ scope: ResetScope, logger: Logger) async throws {
        try await measure("reset") { try await base.reset(scope, logger: logger) }
        writes.invalidateAll()
    }
    func latestMessageTime(logger: Logger) async throws -> Timestamp? {
        try await measure("latestMessageTime") { try await base.latestMessageTime(logger: logger) }
    }
}

extension InstrumentedStore {
    func allContacts(in location: LocationID, logger: Logger) async throws -> [Contact] {
        try await measure("allContacts") { try await base.allContacts(in: location, logger: logger) }
    }
    func allConversations(in location: LocationID, logger: Logger) async throws -> [Conversation] {
        try await measure("allConversations") { try await base.allConversations(in: location, logger: logger) }
    }
}
