import Foundation
import SwitchboardCore
import SwitchboardStorage

/// A call's `transcription` and `recording` on an import line: Switchboard's extension of the message JSON (a message
/// as served has neither). `transcription` is what `GET …/transcription` serves (`[{mediaChannel, sentenceIndex,
/// startTime, endTime, transcript, confidence}]`); `recording` is `{"name","contentType","data"}`, the audio's bytes
/// in base64, at most `UploadRules.maximumFileSize` of them. The recording is stored as an uploaded file and its URL
/// added to the message's attachments, where `GET …/recording` finds it.
enum CallMediaLine {
    private struct Fields: Decodable {
        var transcription: [TranscriptSentence]?
        var recording: Recording?
    }

    private struct Recording: Decodable {
        var name: String?
        var contentType: String
        var data: String
    }

    private static let keys = [Data(#""transcription""#.utf8), Data(#""recording""#.utf8)]

    /// Whether the line may carry media: a call's line that names either field (no other line is decoded again).
    static func mayCarryMedia(_ line: Data, of message: Message) -> Bool {
        message.messageType.isCall && keys.contains { line.range(of: $0) != nil }
    }

    /// The line's media, with the recording's URL (on `fileBaseURL`) added to `message`'s attachments; nil when the
    /// line has neither field.
    static func read(_ line: Data, into message: inout Message, fileBaseURL: String, decoder: JSONDecoder) throws
        -> ImportedCallMedia?
    {
        let fields = try decoder.decode(Fields.self, from: line)
        var media = ImportedCallMedia()
        if let sentences = fields.transcription {
            try check(sentences)
            media.transcription = CallTranscription(
                locationId: message.locationId, conversationId: message.conversationId, messageId: message.id,
                sentences: sentences)
        }
        if let given = fields.recording {
            guard given.contentType.lowercased().hasPrefix("audio/") else {
                throw MessageImporter.ImportError("recording.contentType must be an audio type (audio/…)")
            }
            // The text's length first, so an oversized one is not decoded.
            guard given.data.utf8.count <= (UploadRules.maximumFileSize + 2) / 3 * 4 + 4,
                let bytes = Data(base64Encoded: given.data), bytes.count <= UploadRules.maximumFileSize
            else {
                throw MessageImporter.ImportError(
                    "recording.data must be base64 of at most \(UploadRules.maximumFileSize) bytes")
            }
            guard let name = UploadRules.safeName(given.name ?? "recording") else {
                throw MessageImporter.ImportError("recording.name must name a file")
            }
            let recording = ImportedCallMedia.Recording(
                token: .random(), locationId: message.locationId, conversationId: message.conversationId, name: name,
                contentType: given.contentType, bytes: Array(bytes), createdAt: message.dateAdded)
            message.attachments = (message.attachments ?? []) + [fileBaseURL + recording.file.path]
            media.recording = recording
        }
        return media.transcription == nil && media.recording == nil ? nil : media
    }

    /// The rules the routes that create calls apply (`TranscriptionField`).
    private static func check(_ sentences: [TranscriptSentence]) throws {
        guard sentences.count <= 10_000 else { throw MessageImporter.ImportError("transcription has more than 10000 sentences") }
        for (index, sentence) in sentences.enumerated() {
            let problem: String? =
                if sentence.mediaChannel < 0 { "mediaChannel must not be less than 0" }
                else if sentence.sentenceIndex < 0 { "sentenceIndex must not be less than 0" }
                else if !(0...1e9).contains(sentence.startTime) { "startTime must be from 0 to 1000000000" }
                else if !(0...1e9).contains(sentence.endTime) { "endTime must be from 0 to 1000000000" }
                else if sentence.endTime < sentence.startTime { "endTime must not be less than startTime" }
                else if !(0...1).contains(sentence.confidence) { "confidence must be from 0 to 1" }
                else if sentence.transcript.utf8.count > 65_536 { "transcript must be at most 65536 characters" }
                else { nil }
            if let problem { throw MessageImporter.ImportError("transcription.\(index).\(problem)") }
        }
    }
}
