import Crypto
public import NIOCore
public import Logging
public import SwitchboardCore

/// Writes a file's bytes to a `FileStore` as they come: in chunks of `UploadRules.chunkSize`, hashed on the way
/// for its entity tag, refused past the file's `maxSize`. At most one chunk is held in memory.
public struct FileWriter {
    /// More bytes than the file's `maxSize`.
    public struct TooLarge: Error {}

    private let store: any FileStore
    private let file: StoredFile
    private let logger: Logger
    private var hash = SHA256()
    private var pending: [UInt8] = []
    private var size = 0
    private var chunk = 0

    public init(_ file: StoredFile, store: any FileStore, logger: Logger) {
        self.file = file
        self.store = store
        self.logger = logger
        pending.reserveCapacity(UploadRules.chunkSize)
    }

    public mutating func write(_ bytes: ByteBuffer) async throws {
        var bytes = bytes
        size += bytes.readableBytes
        guard size <= file.maxSize else { throw TooLarge() }
        bytes.withUnsafeReadableBytes { hash.update(bufferPointer: $0) }
        while bytes.readableBytes > 0 {
            let room = UploadRules.chunkSize - pending.count
            bytes.readWithUnsafeReadableBytes { available in
                let taken = available.prefix(room)
                pending.append(contentsOf: taken)
                return taken.count
            }
            if pending.count == UploadRules.chunkSize { try await flush() }
        }
    }

    /// Stores what is pending; the file's size and entity tag (the SHA-256 of its bytes, hex), for `finishFile`.
    public mutating func finish() async throws -> (size: Int, etag: String) {
        if !pending.isEmpty { try await flush() }
        return (size, hash.finalize().hexEncoded)
    }

    private mutating func flush() async throws {
        try await store.appendFileChunk(file.token, index: chunk, bytes: pending, logger: logger)
        chunk += 1
        pending.removeAll(keepingCapacity: true)
    }
}
