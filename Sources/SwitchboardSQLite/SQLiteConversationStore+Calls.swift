import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

extension SQLiteConversationStore {
    public func replaceAttachments(
        _ id: MessageID, in location: LocationID, with attachments: [String], at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        try await write { db in
            try db.execute(
                sql: "UPDATE messages SET attachments = ?, date_updated = ? WHERE location_id = ? AND id = ?",
                arguments: [StringListColumn.encode(attachments), time.rawValue, location.rawValue, id.rawValue])
            return try Row.fetchOne(
                db, sql: "SELECT \(Self.messageColumns) FROM messages WHERE location_id = ? AND id = ?",
                arguments: [location.rawValue, id.rawValue]
            ).map(Decode.message)
        }
    }

    public func setTranscription(_ transcription: CallTranscription, logger: Logger) async throws {
        try await write { db in try Self.setTranscription(transcription, db: db) }
    }

    /// Inside the caller's transaction (an import's too).
    static func setTranscription(_ transcription: CallTranscription, db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO call_transcriptions (location_id, message_id, conversation_id, sentences)
                VALUES (?, ?, ?, ?)
                """,
            arguments: [
                transcription.locationId.rawValue, transcription.messageId.rawValue,
                transcription.conversationId.rawValue, transcription.storedSentences,
            ])
    }

    public func transcription(of message: MessageID, in location: LocationID, logger: Logger) async throws
        -> CallTranscription?
    {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT t.conversation_id, t.sentences FROM call_transcriptions t
                    JOIN messages m ON m.location_id = t.location_id AND m.id = t.message_id
                    WHERE t.location_id = ? AND t.message_id = ?
                    """,
                arguments: [location.rawValue, message.rawValue])
            guard let row else { return nil }
            return try CallTranscription(
                locationId: location, conversationId: ConversationID(rawValue: row[0]), messageId: message,
                storedSentences: row[1])
        }
    }
}
