import Foundation
public import Logging
public import SwitchboardCore

/// The calls room of the store: what a call has besides its message, its attachments (recording URLs) and its
/// transcription. A transcription is written before its message, as an email's record is (`EmailStore`): reads join
/// the message, so one whose message was never stored is never served. Transcriptions go with their conversation.
public protocol CallMediaStore: Sendable {
    /// Replaces the message's attachments and sets `dateUpdated`; the message as it now is (nil when there is none).
    func replaceAttachments(_ id: MessageID, in location: LocationID, with attachments: [String], at time: Timestamp,
        logger: Logger) async throws -> Message?
    /// Stores the transcription, replacing the message's earlier one.
    func setTranscription(_ transcription: CallTranscription, logger: Logger) async throws
    /// The message's transcription, when the message exists and has one.
    func transcription(of message: MessageID, in location: LocationID, logger: Logger) async throws -> CallTranscription?
}

extension CallTranscription {
    /// The sentences as both backends store them: one JSON text.
    public var storedSentences: String {
        // Plain numbers and strings: encoding cannot fail.
        (try? String(decoding: JSONEncoder().encode(sentences), as: UTF8.self)) ?? "[]"
    }

    public init(
        locationId: LocationID, conversationId: ConversationID, messageId: MessageID, storedSentences: String
    ) throws {
        do {
            let sentences = try JSONDecoder().decode([TranscriptSentence].self, from: Data(storedSentences.utf8))
            self.init(locationId: locationId, conversationId: conversationId, messageId: messageId, sentences: sentences)
        } catch {
            throw StoreError.corruptRow("transcription of \(messageId.rawValue): \(error)")
        }
    }
}
