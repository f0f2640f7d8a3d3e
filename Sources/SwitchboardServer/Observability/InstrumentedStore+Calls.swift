import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func replaceAttachments(
        _ id: MessageID, in location: LocationID, with attachments: [String], at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        let message = try await measure("replaceAttachments") {
            try await base.replaceAttachments(id, in: location, with: attachments, at: time, logger: logger)
        }
        if let message { writes.invalidate([message.conversationId]) }
        return message
    }

    func setTranscription(_ transcription: CallTranscription, logger: Logger) async throws {
        try await measure("setTranscription") { try await base.setTranscription(transcription, logger: logger) }
    }

    func transcription(of message: MessageID, in location: LocationID, logger: Logger) async throws -> CallTranscription? {
        try await measure("transcription") { try await base.transcription(of: message, in: location, logger: logger) }
    }
}
