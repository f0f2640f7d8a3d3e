public import Foundation
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// Reads messages in the API's own message JSON (what `GET …/messages` serves): NDJSON, one per line, or a JSON array
/// of them, or a document with them under `messages` (an export page, or a messages page); see `RecordReader`. Stores
/// them in batched transactions, creating missing locations, contacts (id only) and conversations.
public struct MessageImporter: Sendable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The line of NDJSON, or the item of a JSON array, from 1.
        public var line: Int
        public var reason: String
        /// "line" or "item", as the input counts its records.
        public var unit = "line"
        public var description: String { "\(unit) \(line): \(reason)" }
    }

    public struct Summary: Sendable, Hashable {
        public var imported = 0
        public var problems: [Problem] = []
        public var conversations = 0
    }

    /// Messages read and written at a time; nil: the writer's preference, else `defaultBatchSize`.
    public var batchSize: Int?
    /// Two batches are held at once (one written, the next parsed). At 50,000, realistic messages imported into a
    /// SQLite database of 1,100,000 peaked at 312–341 MB, over the import's 300 MB bound; at 25,000 at 212–219 MB,
    /// about a fifth slower (400,000 of them at 12.6–13.4k messages/s against 15.8–17.2k). On PostgreSQL 25,000 was
    /// as fast as 50,000 (29.3k and 29.0k messages/s) in 179 MB instead of 298.
    public static let defaultBatchSize = 25_000
    public var now: @Sendable () -> Timestamp
    /// Whether the imported messages emit their webhooks (`import --webhooks`); off by default, since an import
    /// usually loads history that was delivered long ago.
    public var emitsWebhooks = false
    /// Where the server serves files (`import --file-base-url`): an imported recording's URL begins with it.
    public var fileBaseURL = "http://127.0.0.1:8080"
    /// A batch is cut short once the recordings it holds reach this many bytes, so memory stays bounded however
    /// many recordings a file carries.
    static let batchMediaBytes = 64 << 20

    public init(batchSize: Int? = nil, now: @escaping @Sendable () -> Timestamp = Timestamp.now) {
        self.batchSize = batchSize
        self.now = now
    }

    /// A line's message and the media of its call (`CallMediaLine`).
    typealias Entry = (line: Int, message: Message, media: ImportedCallMedia?)

    /// Parses one line; nil for a blank line.
    public static func parse(_ line: Data, decoder: JSONDecoder) throws -> Message? {
        // The byte parser reads what the API serves; anything else (and every error message) comes from JSONDecoder.
        let fast = line.withUnsafeBytes { raw in MessageLineParser.parse(raw.bindMemory(to: UInt8.self)) }
        if fast == nil, line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        let message = try fast ?? decoder.decode(Message.self, from: line)
        for (name, valid) in [
            ("id", message.id.isPlausible), ("conversationId", message.conversationId.isPlausible),
            ("locationId", message.locationId.isPlausible), ("contactId", message.contactId.isPlausible),
        ] where !valid {
            throw ImportError("\(name) must be 1 to 64 characters of letters, digits, '_' or '-'")
        }
        return message
    }

    /// A strict import found a bad line: what it wrote is rolled back.
    private struct StrictImportRefused: Error {}

    struct ImportError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Imports every line. With `strict`, the import is one transaction that stores nothing when any line is
    /// refused, by the parser or by the store; every refused line is still reported. `progress` is called after each
    /// batch, and once more when every batch is written and the store begins to finish.
    public func run(
        lines source: LineSource, into store: some ConversationStore, strict: Bool, logger: Logger,
        progress: (ImportProgress) -> Void = { _ in }
    ) async throws -> Summary {
        var summary = Summary()
        let decoder = JSONDecoder()
        var known = KnownRows()
        var conversations = Set<ConversationID>()
        var reader = try source.open()
        let totalBytes = source.size
        // The input read up to the end of the batches written so far (the reader runs a batch ahead of the writes).
        var written = 0
        func report(_ phase: ImportProgress.Phase) {
            progress(ImportProgress(phase: phase, messages: summary.imported, bytesRead: written, totalBytes: totalBytes))
        }
        report(.reading)
        let emitting = emitsWebhooks
        let now = now
        // The imported messages' webhook events, when asked for: created now, written in each batch's transaction.
        let events: @Sendable ([Message]) -> [WebhookEvent] = { messages in
            guard emitting else { return [] }
            let time = now()
            return messages.map { WebhookEvent.message($0, at: time) }
        }
        do {
            try await store.withImport(allOrNothing: strict, logger: logger) { writer in
                let size = batchSize ?? writer.preferredBatchSize ?? Self.defaultBatchSize
                func nextBatch(_ problems: inout [Problem]) throws -> [Entry] {
                    try self.nextBatch(of: size, from: &reader, decoder: decoder, problems: &problems)
                }
                var batch = try nextBatch(&summary.problems)
                var batchEnd = reader.bytesRead
                while !batch.isEmpty {
                    let messages = batch.map(\.message)
                    let media = batch.compactMap(\.media)
                    let unseen = known.unseen(in: messages, now: now())
                    // The store writes this batch on its own thread while this one parses the next: two cores, not one.
                    async let stored = Self.insert(messages, media: media, creating: unseen, into: writer, events: events)
                    let following = try nextBatch(&summary.problems)
                    let followingEnd = reader.bytesRead
                    if try await stored {
                        summary.imported += batch.count
                    } else {
                        // The batch was rolled back as a whole: find the offending lines one by one.
                        for entry in batch {
                            if try await Self.insert(
                                [entry.message], media: entry.media.map { [$0] } ?? [], into: writer, events: events)
                            {
                                summary.imported += 1
                            } else {
                                summary.problems.append(Problem(
                                    line: entry.line,
                                    reason: "message \(entry.message.id) already exists, or its contact already has another conversation",
                                    unit: reader.unit))
                            }
                        }
                    }
                    for message in messages { conversations.insert(message.conversationId) }
                    written = batchEnd
                    report(.reading)
                    batch = following
                    batchEnd = followingEnd
                }
                written = reader.bytesRead
                report(.finishing)
                // Throwing rolls the whole transaction back.
                if strict && !summary.problems.isEmpty { throw StrictImportRefused() }
            }
        } catch is StrictImportRefused {
            summary.imported = 0
            conversations = []
        }
        summary.conversations = conversations.count
        summary.problems.sort { $0.line < $1.line }
        return summary
    }

    /// The next `size` messages; the lines that are not messages go to `problems`. Empty at the end.
    private func nextBatch(
        of size: Int, from reader: inout RecordReader, decoder: JSONDecoder, problems: inout [Problem]
    ) throws -> [Entry] {
        var batch: [Entry] = []
        batch.reserveCapacity(size)
        var mediaBytes = 0
        while batch.count < size, mediaBytes < Self.batchMediaBytes, let (number, line) = try reader.next() {
            do {
                guard var message = try Self.parse(line, decoder: decoder) else { continue }
                var media: ImportedCallMedia?
                if CallMediaLine.mayCarryMedia(line, of: message) {
                    media = try CallMediaLine.read(line, into: &message, fileBaseURL: fileBaseURL, decoder: decoder)
                    mediaBytes += media?.heldBytes ?? 0
                }
                batch.append((number, message, media))
            } catch {
                problems.append(Problem(line: number, reason: Self.reason(error), unit: reader.unit))
            }
        }
        return batch
    }

    /// Creates the batch's missing locations and contacts, then inserts its messages.
    private static func insert(
        _ messages: [Message], media: [ImportedCallMedia], creating unseen: KnownRows.Unseen,
        into writer: any MessageImportWriter, events: @Sendable ([Message]) -> [WebhookEvent]
    ) async throws -> Bool {
        try await writer.createMissing(locations: unseen.locations, contacts: unseen.contacts)
        return try await insert(messages, media: media, into: writer, events: events)
    }

    /// Inserts the messages, then their calls' media. False when the store refused the messages as a duplicate (and
    /// wrote none of them, nor their media).
    private static func insert(
        _ messages: [Message], media: [ImportedCallMedia], into writer: any MessageImportWriter,
        events: @Sendable ([Message]) -> [WebhookEvent]
    ) async throws -> Bool {
        do {
            try await writer.insertMessages(messages, events: events(messages))
        } catch StoreError.duplicate {
            return false
        }
        if !media.isEmpty { try await writer.storeCallMedia(media) }
        return true
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "not valid JSON"
                : "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }

    /// Locations and contacts this import has already created where missing, so each is written once per import.
    struct KnownRows {
        struct Unseen: Sendable {
            var locations: [Location] = []
            var contacts: [Contact] = []
        }

        var locations = Set<LocationID>()
        var contacts = Set<String>()

        /// The batch's locations and contacts not seen before, as the rows to create where they do not exist.
        mutating func unseen(in messages: [Message], now: Timestamp) -> Unseen {
            var unseen = Unseen()
            for message in messages {
                if locations.insert(message.locationId).inserted {
                    unseen.locations.append(Location(id: message.locationId, name: "Imported", dateAdded: now))
                }
                if contacts.insert(message.locationId.rawValue + "/" + message.contactId.rawValue).inserted {
                    unseen.contacts.append(Contact(id: message.contactId, locationId: message.locationId, dateAdded: now))
                }
            }
            return unseen
        }
    }
}
