import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

extension SQLiteConversationStore {
    public func allContacts(in location: LocationID, logger: Logger) async throws -> [Contact] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(ContactColumn.list) FROM contacts WHERE location_id = ? ORDER BY date_added, id",
                arguments: [location.rawValue]
            ).map(Decode.contact)
        }
    }

    public func allConversations(in location: LocationID, logger: Logger) async throws -> [Conversation] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.conversationColumns) FROM conversations WHERE location_id = ? ORDER BY date_added, id",
                arguments: [location.rawValue]
            ).map(Decode.conversation)
        }
    }
}
