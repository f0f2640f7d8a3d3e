public import Logging
public import SwitchboardCore

/// The storage interface: one protocol per concern, composed. Each backend (SQLite, PostgreSQL) implements all of
/// them; SQL lives only in the backends. Lookups return optionals: whether a missing row is a 400, 403 or 404 is the
/// handler's decision. A new capability (an outbox, files) arrives as a protocol of its own, composed here.
public protocol ConversationStore: LocationAndTokenStore, ContactStore, ConversationRecordStore, MessageStore,
    MessageImportStore, OAuthRevocationStore, WebhookStore, ProviderStore, ResetStore, FixtureStore, ScheduledSendStore,
    EmailStore, PreferencesStore, CallMediaStore, FileStore
{
    /// A cheap round trip, for readiness checks.
    func ping(logger: Logger) async throws

    /// A value that changes whenever any connection, in any process, commits a write; nil when the backend cannot
    /// tell. The server caches answers only where this is known.
    func changeToken(logger: Logger) async throws -> Int64?

    /// Whether every write to this store is seen by the server that holds it (an embedded file, whose other
    /// writers `changeToken` reports), so that its answers may be cached; false for a database other instances
    /// write to unseen.
    var seesEveryWrite: Bool { get }
}

public protocol LocationAndTokenStore: Sendable {
    func createLocation(_ location: Location, logger: Logger) async throws
    func location(_ id: LocationID, logger: Logger) async throws -> Location?
    func locations(logger: Logger) async throws -> [Location]

    func createToken(_ token: StoredToken, logger: Logger) async throws
    func tokens(in location: LocationID?, logger: Logger) async throws -> [StoredToken]
    /// Revokes the token with this id or this hash; returns whether one was revoked just now.
    func revokeToken(idOrHash: String, at time: Timestamp, logger: Logger) async throws -> Bool
    /// The live (not revoked) token with this hash.
    func activeToken(hash: TokenHash, logger: Logger) async throws -> StoredToken?
}

public protocol ContactStore: Sendable {
    /// Throws `StoreError.duplicate` when the id is taken.
    func createContact(_ contact: Contact, logger: Logger) async throws
    func contact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> Contact?
    /// Which location holds a contact with this id, if any: to tell another location's contact (403) from none.
    /// A seek per location (the key is location first): asked only when the caller's own location has no such contact.
    func locationOfContact(_ id: ContactID, logger: Logger) async throws -> LocationID?
    /// The location's contact with this email (case-insensitive) or, failing that, this phone.
    func findContact(email: String?, phone: String?, in location: LocationID, logger: Logger) async throws -> Contact?
    /// Replaces every stored field of an existing contact.
    func updateContact(_ contact: Contact, logger: Logger) async throws
    /// Deletes the contact with its conversations (their messages, email records and transcriptions) and its
    /// subscription choices, in one transaction; the ids of the conversations deleted, or nil when there was no such
    /// contact.
    func deleteContact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> [ConversationID]?
    /// A page of the contacts the query asks for, with how many match in all.
    func listContacts(_ query: ContactQuery, logger: Logger) async throws -> (contacts: [Contact], total: Int)
    /// Creates, in one transaction, each of these locations and then each of these contacts that does not exist yet;
    /// those that exist are left as they are. Bulk writers (the importer) use it instead of a lookup and a write per row.
    func createMissing(locations: [Location], contacts: [Contact], logger: Logger) async throws
}

public protocol ConversationRecordStore: Sendable {
    /// Creates the conversation; throws `StoreError.duplicate` when the contact already has one in the location.
    func createConversation(_ conversation: Conversation, logger: Logger) async throws
    func conversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Conversation?
    /// Which location holds this conversation, if any: the only lookup not scoped by location, used to tell
    /// "another location's conversation" (403) from "no such conversation" (400).
    func locationOfConversation(_ id: ConversationID, logger: Logger) async throws -> LocationID?
    /// The location's conversation with this contact, if any.
    func conversation(forContact contact: ContactID, in location: LocationID, logger: Logger) async throws
        -> Conversation?
    /// Applies the changes and returns the conversation as it now is (nil when there is none).
    func updateConversation(
        _ id: ConversationID, in location: LocationID, changes: ConversationChanges, at time: Timestamp,
        logger: Logger
    ) async throws -> Conversation?
    /// Deletes the conversation and its messages; returns whether it existed.
    func deleteConversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Bool
    func searchConversations(_ query: ConversationSearchQuery, logger: Logger) async throws -> ConversationSearchResult
}

public protocol MessageStore: Sendable {
    /// Stores messages in one transaction, creating each missing conversation (for the message's contact) and
    /// keeping every conversation's summary in step with its newest message. The same transaction puts `events` in
    /// the outbox, one delivery for each subscription of the event's location that receives its type: the events of
    /// an acknowledged write are never lost, and a refused write emits none.
    func insertMessages(_ messages: [Message], events: [WebhookEvent], logger: Logger) async throws
    /// One keyset page. Throws `SwitchboardError.invalidLastMessageId` when the cursor is not a message of
    /// this conversation.
    func messagePage(_ query: MessagePageQuery, logger: Logger) async throws -> MessagePage
    func message(_ id: MessageID, in location: LocationID, logger: Logger) async throws -> Message?
    /// Which location holds a message with this id, if any: to tell another location's message (403) from none.
    /// A seek per location (the key is location first, and an index by id alone would slow every import): asked
    /// only when the caller's own location has no such message.
    func locationOfMessage(_ id: MessageID, logger: Logger) async throws -> LocationID?
    /// Sets a message's status and `dateUpdated`; returns the message as it now is (nil when there is none). The
    /// change is an event too (`InboundMessage`/`OutboundMessage` with the new status, as a provider's delivery
    /// report is at HighLevel), put in the outbox in the same transaction.
    func updateMessageStatus(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, logger: Logger
    ) async throws -> Message?
    /// One page of the location's messages in export order.
    func exportMessages(_ query: MessageExportQuery, logger: Logger) async throws -> MessageExportPage
}

public protocol MessageImportStore: Sendable {
    /// Runs an import: `body` writes its batches through the writer it is given, and the writes are stored when
    /// `body` returns. With `allOrNothing`, the whole import is one transaction: if `body` throws, nothing of it is
    /// stored. Otherwise a backend may write each batch in a transaction of its own (`BatchTransactionsWriter`), so a
    /// long import does not hold other writers off.
    func withImport<Result: Sendable>(
        allOrNothing: Bool, logger: Logger, _ body: (any MessageImportWriter) async throws -> Result
    ) async throws -> Result
}

extension MessageStore {
    /// Stores messages and emits nothing (demo data, fixtures).
    public func insertMessages(_ messages: [Message], logger: Logger) async throws {
        try await insertMessages(messages, events: [], logger: logger)
    }
}

extension ConversationStore {
    public func changeToken(logger: Logger) async throws -> Int64? { nil }
    public var seesEveryWrite: Bool { false }

    /// An import whose batches may be stored one by one (see `withImport(allOrNothing:logger:_:)`).
    public func withImport<Result: Sendable>(
        logger: Logger, _ body: (any MessageImportWriter) async throws -> Result
    ) async throws -> Result {
        try await withImport(allOrNothing: false, logger: logger, body)
    }
}

/// Where an import writes. Each call is all or nothing, so an importer can retry a refused batch line by line.
public protocol MessageImportWriter: Sendable {
    /// As `ConversationStore.createMissing`.
    func createMissing(locations: [Location], contacts: [Contact]) async throws
    /// As `ConversationStore.insertMessages`: throws `StoreError.duplicate`, having written none of the batch (nor
    /// its events), when a message id is taken or a contact already has another conversation.
    func insertMessages(_ messages: [Message], events: [WebhookEvent]) async throws
    /// Stores the transcriptions and recordings of calls this writer has inserted; a recording is served from then on.
    func storeCallMedia(_ media: [ImportedCallMedia]) async throws
    /// How many messages this writer takes best at a time, when the importer is not told; nil for no preference.
    var preferredBatchSize: Int? { get }
}

extension MessageImportWriter {
    public var preferredBatchSize: Int? { nil }

    /// An import that emits no webhooks (the default: `import --webhooks` opts in).
    public func insertMessages(_ messages: [Message]) async throws {
        try await insertMessages(messages, events: [])
    }
}

/// The default import writer: every call is a transaction of the store's own.
public struct BatchTransactionsWriter: MessageImportWriter {
    let store: any ConversationStore
    let logger: Logger

    public init(store: any ConversationStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func createMissing(locations: [Location], contacts: [Contact]) async throws {
        try await store.createMissing(locations: locations, contacts: contacts, logger: logger)
    }

    public func insertMessages(_ messages: [Message], events: [WebhookEvent]) async throws {
        try await store.insertMessages(messages, events: events, logger: logger)
    }

    public func storeCallMedia(_ media: [ImportedCallMedia]) async throws {
        for item in media {
            if let transcription = item.transcription { try await store.setTranscription(transcription, logger: logger) }
            guard let recording = item.recording else { continue }
            // Recorded unserved, then filled, then served: never served part-written.
            var file = recording.file
            file.served = false
            try await store.createFile(file, logger: logger)
            for (index, chunk) in recording.chunks.enumerated() {
                try await store.appendFileChunk(file.token, index: index, bytes: chunk, logger: logger)
            }
            try await store.serveFile(file.token, logger: logger)
        }
    }
}

public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A unique or primary key already holds this value.
    case duplicate
    /// A foreign key names a row that does not exist (a message for an unknown location, say).
    case missingReference
    /// Another constraint refused the row (NOT NULL, CHECK): a bug in what the caller built, not the client's input.
    case constraintViolated(String)
    /// A stored row the store cannot read back (an unknown message type code, a NULL where a value belongs): the data
    /// is damaged or was written by a newer version. A fault to report, not an outage to retry.
    case corruptRow(String)
    /// The database cannot be reached or answered in time.
    case unavailable(String)

    public var description: String {
        switch self {
        case .duplicate: "already exists"
        case .missingReference: "refers to a row that does not exist"
        case .constraintViolated: "violates a constraint"
        case .corruptRow(let reason): "a stored row cannot be read: \(reason)"
        case .unavailable(let reason): reason
        }
    }

    /// With the backend's own words for a constraint, which differ between backends (logs use this).
    public var debugDescription: String {
        if case .constraintViolated(let detail) = self { "violates a constraint: \(detail)" } else { description }
    }

    /// An outage (503), as opposed to a refused write.
    public var isOutage: Bool {
        if case .unavailable = self { true } else { false }
    }
}

/// A backend's own error that knows which `StoreError` it is (a full disk, an I/O error or a corrupt page is an
/// outage to report as 503, not a server fault), so the server maps every backend's faults in one place without
/// importing the backends' error types.
public protocol StoreFaultClassifying: Error {
    /// The store error this is, or nil for one the server should treat as a bug.
    var storeError: StoreError? { get }
}
