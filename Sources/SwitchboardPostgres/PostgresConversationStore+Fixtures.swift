import PostgresNIO
public import Logging
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    public func allContacts(in location: LocationID, logger: Logger) async throws -> [Contact] {
        try await fetch(
            "allContacts",
            """
            SELECT \(unescaped: Columns.contact) FROM contacts
            WHERE location_id = \(location.rawValue) ORDER BY date_added, id
            """, logger: logger, Decode.contact)
    }

    public func allConversations(in location: LocationID, logger: Logger) async throws -> [Conversation] {
        try await fetch(
            "allConversations",
            """
            SELECT \(unescaped: Columns.conversation) FROM conversations
            WHERE location_id = \(location.rawValue) ORDER BY date_added, id
            """, logger: logger, Decode.conversation)
    }
}
