/// What a call's recording said, sentence by sentence (`get-message-transcription`, CONTRACT.md §5.2).
public struct TranscriptSentence: Sendable, Hashable, Codable {
    public var mediaChannel: Int
    public var sentenceIndex: Int
    /// Seconds from the start of the recording.
    public var startTime: Double
    public var endTime: Double
    public var transcript: String
    /// From 0 to 1.
    public var confidence: Double

    public init(
        mediaChannel: Int, sentenceIndex: Int, startTime: Double, endTime: Double, transcript: String, confidence: Double
    ) {
        self.mediaChannel = mediaChannel
        self.sentenceIndex = sentenceIndex
        self.startTime = startTime
        self.endTime = endTime
        self.transcript = transcript
        self.confidence = confidence
    }
}

/// A call's transcription: its sentences in order.
public struct CallTranscription: Sendable, Hashable {
    public var locationId: LocationID
    public var conversationId: ConversationID
    public var messageId: MessageID
    public var sentences: [TranscriptSentence]

    public init(locationId: LocationID, conversationId: ConversationID, messageId: MessageID, sentences: [TranscriptSentence]) {
        self.locationId = locationId
        self.conversationId = conversationId
        self.messageId = messageId
        self.sentences = sentences.sorted { ($0.sentenceIndex, $0.startTime) < ($1.sentenceIndex, $1.startTime) }
    }

    /// The plain text `…/transcription/download` serves: a line per sentence, `[start - end] Channel n: text`, times
    /// as `hh:mm:ss.mmm`.
    public var plainText: String {
        sentences.map { sentence in
            "[\(Self.clock(sentence.startTime)) - \(Self.clock(sentence.endTime))] Channel \(sentence.mediaChannel): "
                + sentence.transcript
        }.joined(separator: "\n") + (sentences.isEmpty ? "" : "\n")
    }

    static func clock(_ seconds: Double) -> String {
        let milliseconds = Int((max(0, seconds) * 1000).rounded())
        let (hours, rest) = milliseconds.quotientAndRemainder(dividingBy: 3_600_000)
        let (minutes, rest2) = rest.quotientAndRemainder(dividingBy: 60_000)
        let (secs, millis) = rest2.quotientAndRemainder(dividingBy: 1000)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let three = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(two(hours)):\(two(minutes)):\(two(secs)).\(three)"
    }
}
