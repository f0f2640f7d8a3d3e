public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    public func replaceAttachments(
        _ id: MessageID, in location: LocationID, with attachments: [String], at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        try await fetch(
            "replaceAttachments",
            """
            UPDATE messages SET attachments = \(StringListColumn.encode(attachments)), date_updated = \(time.rawValue)
            WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
            RETURNING \(unescaped: Columns.message)
            """, logger: logger, Decode.message
        ).first
    }

    public func setTranscription(_ transcription: CallTranscription, logger: Logger) async throws {
        try await execute("setTranscription", Self.setTranscriptionStatement(transcription), logger: logger)
    }

    /// The statement that stores a transcription (an import runs it in its transaction).
    static func setTranscriptionStatement(_ transcription: CallTranscription) -> PostgresQuery {
        """
        INSERT INTO call_transcriptions (location_id, message_id, conversation_id, sentences)
        VALUES (\(transcription.locationId.rawValue), \(transcription.messageId.rawValue),
            \(transcription.conversationId.rawValue), \(transcription.storedSentences))
        ON CONFLICT (location_id, message_id) DO UPDATE SET sentences = EXCLUDED.sentences,
            conversation_id = EXCLUDED.conversation_id
        """
    }

    public func transcription(of message: MessageID, in location: LocationID, logger: Logger) async throws
        -> CallTranscription?
    {
        try await fetch(
            "transcription",
            """
            SELECT t.conversation_id, t.sentences FROM call_transcriptions t
            JOIN messages m ON m.location_id = t.location_id AND m.id = t.message_id
            WHERE t.location_id = \(location.rawValue) AND t.message_id = \(message.rawValue)
            """, logger: logger
        ) { row in
            let (conversation, sentences) = try row.decode((String, String).self)
            return try CallTranscription(
                locationId: location, conversationId: ConversationID(rawValue: conversation), messageId: message,
                storedSentences: sentences)
        }.first
    }
}
