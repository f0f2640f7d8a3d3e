public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    public func insertEmail(_ email: EmailRecord, logger: Logger) async throws {
        try await execute(
            "insertEmail",
            """
            INSERT INTO email_records (id, location_id, conversation_id, message_id, thread_id, headers)
            VALUES (\(email.id), \(email.locationId.rawValue), \(email.conversationId.rawValue),
                \(email.messageId.rawValue), \(email.threadId), \(email.headers.storedText))
            """, logger: logger)
    }

    public func email(_ id: String, in location: LocationID, logger: Logger) async throws -> EmailRecord? {
        try await fetch(
            "email",
            """
            SELECT e.conversation_id, e.message_id, e.thread_id, e.headers FROM email_records e
            JOIN messages m ON m.location_id = e.location_id AND m.id = e.message_id
            WHERE e.location_id = \(location.rawValue) AND e.id = \(id)
            """, logger: logger
        ) { row in try Self.emailRecord(id, in: location, row) }.first
    }

    /// The record of a message being written about (its event), inside the caller's transaction.
    static func emailRecord(of message: Message, on connection: PostgresConnection, logger: Logger) async throws
        -> EmailRecord?
    {
        guard let id = message.emailMessageIds?.first else { return nil }
        return try await connection.fetch(
            """
            SELECT conversation_id, message_id, thread_id, headers FROM email_records
            WHERE location_id = \(message.locationId.rawValue) AND id = \(id) AND message_id = \(message.id.rawValue)
            """, logger: logger
        ) { row in try emailRecord(id, in: message.locationId, row) }.first
    }

    private static func emailRecord(_ id: String, in location: LocationID, _ row: PostgresRow) throws -> EmailRecord {
        let (conversation, message, thread, headers) = try row.decode((String, String, String, String).self)
        return EmailRecord(
            id: id, locationId: location, conversationId: ConversationID(rawValue: conversation),
            messageId: MessageID(rawValue: message), threadId: thread, headers: try EmailHeaders(storedText: headers))
    }

    public func locationOfEmail(_ id: String, logger: Logger) async throws -> LocationID? {
        try await fetch(
            "locationOfEmail",
            """
            SELECT e.location_id FROM email_records e
            JOIN messages m ON m.location_id = e.location_id AND m.id = e.message_id WHERE e.id = \(id)
            """, logger: logger
        ) { row in LocationID(rawValue: try row.decode(String.self)) }.first
    }

    public func updateEmailHeaders(_ id: String, in location: LocationID, to headers: EmailHeaders, logger: Logger)
        async throws -> Bool
    {
        try await !fetch(
            "updateEmailHeaders",
            """
            UPDATE email_records SET headers = \(headers.storedText)
            WHERE location_id = \(location.rawValue) AND id = \(id) RETURNING 1
            """, logger: logger
        ) { _ in true }.isEmpty
    }
}
