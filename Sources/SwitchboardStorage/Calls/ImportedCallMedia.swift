import Crypto
public import SwitchboardCore

/// What an imported call brings besides its message (`import`'s `transcription` and `recording` fields): written
/// by the import's writer after the message, in the import's transaction when it has one.
public struct ImportedCallMedia: Sendable {
    /// A recording, ready to store: its file (to be served once its bytes are in) and its bytes in chunks.
    public struct Recording: Sendable {
        public var file: StoredFile
        /// In chunks of `UploadRules.chunkSize`, as every stored file is.
        public var chunks: [[UInt8]]

        /// The file's size and entity tag are worked out from `bytes` (the SHA-256, hex, as an upload's).
        public init(
            token: FileToken, locationId: LocationID, conversationId: ConversationID, name: String, contentType: String,
            bytes: [UInt8], createdAt: Timestamp
        ) {
            file = StoredFile(
                token: token, locationId: locationId, conversationId: conversationId, name: name,
                contentType: contentType, maxSize: UploadRules.maximumFileSize, createdAt: createdAt, size: bytes.count,
                etag: SHA256.hash(data: bytes).hexEncoded)
            chunks = stride(from: 0, to: bytes.count, by: UploadRules.chunkSize).map {
                Array(bytes[$0..<min($0 + UploadRules.chunkSize, bytes.count)])
            }
        }
    }

    public var transcription: CallTranscription?
    public var recording: Recording?

    public init(transcription: CallTranscription? = nil, recording: Recording? = nil) {
        self.transcription = transcription
        self.recording = recording
    }

    /// The bytes it holds in memory until written.
    public var heldBytes: Int { recording?.chunks.reduce(0) { $0 + $1.count } ?? 0 }
}
