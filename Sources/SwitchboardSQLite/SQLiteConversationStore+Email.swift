import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

extension SQLiteConversationStore {
    public func insertEmail(_ email: EmailRecord, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO email_records (id, location_id, conversation_id, message_id, thread_id, headers)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    email.id, email.locationId.rawValue, email.conversationId.rawValue, email.messageId.rawValue,
                    email.threadId, email.headers.storedText,
                ])
        }
    }

    public func email(_ id: String, in location: LocationID, logger: Logger) async throws -> EmailRecord? {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT e.conversation_id, e.message_id, e.thread_id, e.headers FROM email_records e
                    JOIN messages m ON m.location_id = e.location_id AND m.id = e.message_id
                    WHERE e.location_id = ? AND e.id = ?
                    """,
                arguments: [location.rawValue, id])
            return try row.map { try Self.emailRecord(id, in: location, $0) }
        }
    }

    /// The record of a message being written about (its event), inside the caller's transaction.
    static func emailRecord(of message: Message, db: Database) throws -> EmailRecord? {
        guard let id = message.emailMessageIds?.first else { return nil }
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT conversation_id, message_id, thread_id, headers FROM email_records
                WHERE location_id = ? AND id = ? AND message_id = ?
                """,
            arguments: [message.locationId.rawValue, id, message.id.rawValue])
        return try row.map { try emailRecord(id, in: message.locationId, $0) }
    }

    private static func emailRecord(_ id: String, in location: LocationID, _ row: Row) throws -> EmailRecord {
        EmailRecord(
            id: id, locationId: location, conversationId: ConversationID(rawValue: row[0]),
            messageId: MessageID(rawValue: row[1]), threadId: row[2], headers: try EmailHeaders(storedText: row[3]))
    }

    public func locationOfEmail(_ id: String, logger: Logger) async throws -> LocationID? {
        try await pool.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT e.location_id FROM email_records e
                    JOIN messages m ON m.location_id = e.location_id AND m.id = e.message_id WHERE e.id = ?
                    """,
                arguments: [id]
            ).map(LocationID.init(rawValue:))
        }
    }

    public func updateEmailHeaders(_ id: String, in location: LocationID, to headers: EmailHeaders, logger: Logger)
        async throws -> Bool
    {
        try await write { db in
            try db.execute(
                sql: "UPDATE email_records SET headers = ? WHERE location_id = ? AND id = ?",
                arguments: [headers.storedText, location.rawValue, id])
            return db.changesCount > 0
        }
    }
}
