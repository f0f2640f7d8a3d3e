/// Files uploaded to a conversation (CONTRACT.md §5.2): what they are, where they are served, and the rules an
/// upload is held to. Their bytes live in the store, in chunks (`FileStore`); this is the part without I/O.

/// The unguessable part of a file's URL: 128 random bits as 32 lowercase hex digits. Like HighLevel's storage URLs,
/// file URLs are served without a token, so this is the only thing that guards a file.
public struct FileToken: StringIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static func random() -> FileToken {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> FileToken {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(32)
        for _ in 0..<2 {
            var word = generator.next() as UInt64
            for _ in 0..<16 {
                text.append(digits[Int(word & 0xF)])
                word >>= 4
            }
        }
        return FileToken(rawValue: String(decoding: text, as: UTF8.self))
    }

    /// Whether the text could be a token this server made: 32 lowercase hex digits.
    public var isWellFormed: Bool {
        rawValue.utf8.count == 32 && rawValue.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// A file as the store keeps it. `size` and `etag` are known once its bytes are all in; it is served once `served`.
public struct StoredFile: Sendable, Equatable {
    public var token: FileToken
    /// The id of a signed-URL upload (`upload/initiate`), which its `PUT` and `upload/complete` name; nil for a
    /// multipart upload.
    public var uploadId: String?
    public var locationId: LocationID
    public var conversationId: ConversationID
    public var name: String
    public var contentType: String
    /// The most bytes the file may have.
    public var maxSize: Int
    /// When a signed upload URL stops taking bytes; nil for a multipart upload.
    public var expiresAt: Timestamp?
    public var createdAt: Timestamp
    public var size: Int?
    public var etag: String?
    public var served: Bool

    public init(
        token: FileToken, uploadId: String? = nil, locationId: LocationID, conversationId: ConversationID, name: String,
        contentType: String, maxSize: Int, expiresAt: Timestamp? = nil, createdAt: Timestamp, size: Int? = nil,
        etag: String? = nil, served: Bool = false
    ) {
        self.token = token
        self.uploadId = uploadId
        self.locationId = locationId
        self.conversationId = conversationId
        self.name = name
        self.contentType = contentType
        self.maxSize = maxSize
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.size = size
        self.etag = etag
        self.served = served
    }

    /// `/conversations-assets/{token}/{name}`, the name percent-encoded: where the file is served.
    public var path: String { FileLocation.pathPrefix + token.rawValue + "/" + FileLocation.percentEncoded(name) }
}

/// The rules of an upload: the types HighLevel allows, with the content type each is served with, and the sizes.
public enum UploadRules {
    /// At most this many bytes in one file of a multipart upload, and of a signed upload on any channel but
    /// WhatsApp (HighLevel's signed-URL limit; its multipart limit is not documented, so the same one is kept).
    public static let maximumFileSize = 5 << 20
    /// A signed upload for WhatsApp may be this large.
    public static let maximumWhatsAppFileSize = 100 << 20
    /// At most this many files in one multipart upload.
    public static let maximumFileCount = 10
    /// A signed upload URL takes bytes for this long (HighLevel's: 15 minutes).
    public static let signedURLLifetimeMilliseconds: Int64 = 15 * 60 * 1000
    /// A file not served this long after it was recorded was abandoned (a signed upload never filled or never
    /// completed, an upload a stopped server cut short) and is swept with its bytes. An hour: four times a signed
    /// URL's lifetime, room for the slowest `PUT` of a file at the size limit.
    public static let abandonedAfterMilliseconds: Int64 = 60 * 60 * 1000
    /// Bytes are stored in chunks of this size, so neither an upload nor a read holds a whole file in memory.
    public static let chunkSize = 256 << 10

    /// HighLevel's allowed types (JPG, JPEG, PNG, MP4, MPEG, ZIP, RAR, PDF, DOC, DOCX, TXT, MP3, WAV), by extension.
    static let contentTypes: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "mp4": "video/mp4", "mpeg": "video/mpeg",
        "zip": "application/zip", "rar": "application/vnd.rar", "pdf": "application/pdf",
        "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "txt": "text/plain", "mp3": "audio/mpeg", "wav": "audio/wav",
    ]

    /// The content type a file of this name is stored and served with; nil when its type is not allowed. The
    /// extension decides, whatever the client declared: what is served must not depend on what a sender claimed.
    public static func contentType(forFileNamed name: String) -> String? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        return contentTypes[name[name.index(after: dot)...].lowercased()]
    }

    /// The name a client gave, made safe to keep and to put in a URL: its last path component (no `/`, `\` or
    /// `..` survives), without control characters, at most 200 bytes (the extension kept); nil when nothing is left.
    public static func safeName(_ given: String) -> String? {
        let last = given.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var name = String(String.UnicodeScalarView(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        name = name.trimmingSpaces
        guard !name.isEmpty, name != ".", name != ".." else { return nil }
        while name.utf8.count > 200 {
            guard let dot = name.lastIndex(of: "."), name.distance(from: dot, to: name.endIndex) < 16 else {
                name = String(name.dropLast())
                continue
            }
            name.remove(at: name.index(before: dot))
        }
        return name
    }
}

/// The URL path files are served at, and how a URL names a file.
public enum FileLocation {
    public static let pathPrefix = "/conversations-assets/"

    /// The token of a URL (absolute, on any host) or path under `/conversations-assets/`; nil for any other.
    public static func token(in url: String) -> FileToken? {
        let bytes = Array(url.utf8), prefix = Array(pathPrefix.utf8)
        guard bytes.count > prefix.count,
            let start = (0...(bytes.count - prefix.count)).first(where: { bytes[$0..<($0 + prefix.count)].elementsEqual(prefix) })
        else { return nil }
        let rest = String(decoding: bytes[(start + prefix.count)...], as: UTF8.self)
        let token = FileToken(rawValue: String(rest.prefix { $0 != "/" && $0 != "?" }))
        return token.isWellFormed ? token : nil
    }

    /// Percent-encodes all but RFC 3986's unreserved characters.
    public static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(digits[Int(byte >> 4)])
                encoded.unicodeScalars.append(digits[Int(byte & 0xF)])
            }
        }
        return encoded
    }
}

/// A `Range: bytes=…` header read against a file's size (RFC 9110 §14): one range is served as 206; a header this
/// does not understand, or several ranges, is ignored and the whole file served; a range past the end is 416.
public enum ByteRangeRequest: Equatable, Sendable {
    case whole
    case part(ClosedRange<Int>)
    case unsatisfiable

    public init(header: String?, size: Int) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else {
            self = .whole
            return
        }
        let spec = header.dropFirst("bytes=".count).trimmingSpaces
        guard let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        switch (Int(first), Int(last)) {
        case (nil, let suffix?) where first.isEmpty:
            // The last `suffix` bytes.
            self = suffix > 0 && size > 0 ? .part(max(0, size - suffix)...(size - 1)) : .unsatisfiable
        case (let start?, nil) where last.isEmpty && start >= 0:
            self = start < size ? .part(start...(size - 1)) : .unsatisfiable
        case (let start?, let end?) where start >= 0 && end >= start:
            self = start < size ? .part(start...min(end, size - 1)) : .unsatisfiable
        default:
            self = .whole
        }
    }
}

