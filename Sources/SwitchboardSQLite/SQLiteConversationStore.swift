import Foundation
import GRDB
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// The embedded backend: one SQLite file in WAL mode through a GRDB `DatabasePool`
/// (one serialized writer, concurrent readers).
public final class SQLiteConversationStore: ConversationStore {
    let pool: DatabasePool
    /// The database file, for connections of their own (imports: see `withImport`).
    let path: String
    /// How the signing keys' secrets are kept (see `SigningKeySeal`).
    let keySeal: SigningKeySeal
    /// A separate connection that only watches for commits (see `changeToken`).
    private let watcher: DatabaseQueue

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// A new file is created readable by its owner alone (`SQLiteFile`); with `checkIntegrity`, a damaged file is
    /// refused (`SQLiteFile.Refusal`) before anything is read from it.
    public init(
        path: String, maximumReaderCount: Int = 8, durability: SQLiteFile.Durability = .normal,
        checkIntegrity: Bool = false, keySeal: SigningKeySeal = .plain
    ) throws {
        self.path = path
        self.keySeal = keySeal
        try SQLiteFile.createPrivately(path)
        var configuration = Self.configuration()
        configuration.maximumReaderCount = maximumReaderCount
        pool = try DatabasePool(path: path, configuration: configuration)
        // After the pool's own set-up, which chooses NORMAL for WAL; only the one writer connection commits.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(durability.pragma)") }
        if checkIntegrity { try SQLiteFile.checkIntegrity(pool, path: path) }
        var migrator = DatabaseMigrator()
        SQLiteMigrations.register(in: &migrator)
        try migrator.migrate(pool)
        var watcherConfiguration = Configuration()
        watcherConfiguration.readonly = true
        watcherConfiguration.busyMode = .timeout(5)
        watcher = try DatabaseQueue(path: path, configuration: watcherConfiguration)
    }

    /// Every connection's settings.
    static func configuration() -> Configuration {
        var configuration = Configuration()
        // Another process (the CLI) may be writing: wait for its lock rather than failing at once.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // The writer keeps the indexes' hot pages in memory (64 MiB) so bulk writes do not re-read them;
            // readers keep SQLite's default, which keeps the server small.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -65536") }
            // Multi-row inserts keep a statement journal (to undo one statement on a constraint error); in a temporary
            // file it cost two write calls per page touched, more than the WAL itself.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return configuration
    }

    public static var migrationNames: [String] {
        var migrator = DatabaseMigrator()
        SQLiteMigrations.register(in: &migrator)
        return migrator.migrations
    }

    // MARK: Locations and tokens

    public func createLocation(_ location: Location, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO locations (id, name, date_added) VALUES (?, ?, ?)",
                arguments: [location.id.rawValue, location.name, location.dateAdded.rawValue])
        }
    }

    public func location(_ id: LocationID, logger: Logger) async throws -> Location? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, date_added FROM locations WHERE id = ?", arguments: [id.rawValue])
                .map(Self.location(from:))
        }
    }

    public func locations(logger: Logger) async throws -> [Location] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, date_added FROM locations ORDER BY date_added, id")
                .map(Self.location(from:))
        }
    }

    private static func location(from row: Row) -> Location {
        Location(id: LocationID(rawValue: row[0]), name: row[1], dateAdded: Timestamp(rawValue: row[2]))
    }

    public func createToken(_ token: StoredToken, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO tokens (location_id, id, token_hash, name, scopes, created_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.locationId.rawValue, token.id, token.hash.rawValue, token.name, token.scopeList,
                    token.createdAt.rawValue, token.revokedAt?.rawValue,
                ])
        }
    }

    private static let tokenColumns = "location_id, id, token_hash, name, scopes, created_at, revoked_at"

    public func tokens(in location: LocationID?, logger: Logger) async throws -> [StoredToken] {
        try await pool.read { db in
            let rows: [Row]
            if let location {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(Self.tokenColumns) FROM tokens WHERE location_id = ? ORDER BY created_at, id",
                    arguments: [location.rawValue])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT \(Self.tokenColumns) FROM tokens ORDER BY created_at, id")
            }
            return rows.map(Self.token(from:))
        }
    }

    public func revokeToken(idOrHash: String, at time: Timestamp, logger: Logger) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE tokens SET revoked_at = ? WHERE (id = ? OR token_hash = ?) AND revoked_at IS NULL",
                arguments: [time.rawValue, idOrHash, idOrHash])
            return db.changesCount > 0
        }
    }

    public func activeToken(hash: TokenHash, logger: Logger) async throws -> StoredToken? {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.tokenColumns) FROM tokens WHERE token_hash = ? AND revoked_at IS NULL")
            return try Row.fetchOne(statement, arguments: [hash.rawValue]).map(Self.token(from:))
        }
    }

    private static func token(from row: Row) -> StoredToken {
        StoredToken(
            id: row[1], hash: TokenHash(rawValue: row[2]), locationId: LocationID(rawValue: row[0]), name: row[3],
            scopes: StoredToken.scopes(fromList: row[4]), createdAt: Timestamp(rawValue: row[5]),
            revokedAt: (row[6] as Int64?).map(Timestamp.init(rawValue:)))
    }

    // MARK: Conversations

    public func createConversation(_ conversation: Conversation, logger: Logger) async throws {
        try await write { db in try Self.insert(conversation, db: db) }
    }

    private static func insert(_ conversation: Conversation, db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO conversations (location_id, id, contact_id, date_added, date_updated, unread_count,
                    starred, deleted, last_message_id, last_message_body, last_message_type, last_message_date,
                    last_message_direction)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            conversation.locationId.rawValue, conversation.id.rawValue, conversation.contactId.rawValue,
            conversation.dateAdded.rawValue, conversation.dateUpdated.rawValue, conversation.unreadCount,
            conversation.starred, conversation.deleted, conversation.lastMessageBody,
            conversation.lastMessageType?.code, conversation.lastMessageDate?.rawValue,
            conversation.lastMessageDirection?.rawValue,
        ])
    }

    static let conversationColumns = """
        location_id, id, contact_id, date_added, date_updated, unread_count, starred, deleted, last_message_body,
        last_message_type, last_message_date, last_message_direction
        """

    public func conversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws
        -> Conversation?
    {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.conversationColumns) FROM conversations WHERE location_id = ? AND id = ?")
            return try Row.fetchOne(statement, arguments: [location.rawValue, id.rawValue]).map(Self.conversation(from:))
        }
    }

    public func locationOfConversation(_ id: ConversationID, logger: Logger) async throws -> LocationID? {
        try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT location_id FROM conversations WHERE id = ? LIMIT 1", arguments: [id.rawValue]
            ).map(LocationID.init(rawValue:))
        }
    }

    static func conversation(from row: Row) -> Conversation {
        Conversation(
            id: ConversationID(rawValue: row[1]), locationId: LocationID(rawValue: row[0]),
            contactId: ContactID(rawValue: row[2]), dateAdded: Timestamp(rawValue: row[3]),
            dateUpdated: Timestamp(rawValue: row[4]), unreadCount: row[5], starred: row[6], deleted: row[7],
            lastMessageBody: row[8], lastMessageType: (row[9] as Int?).flatMap(MessageType.init(code:)),
            lastMessageDate: (row[10] as Int64?).map(Timestamp.init(rawValue:)),
            lastMessageDirection: (row[11] as String?).flatMap(MessageDirection.init(rawValue:)))
    }

    // MARK: Messages

    public func insertMessages(_ messages: [Message], logger: Logger) async throws {
        guard !messages.isEmpty else { return }
        try await write { db in
            let summaries = ConversationSummaryChange.perConversation(messages)
            for (key, change) in summaries { try Self.createIfMissing(key, change, db: db) }
            try Self.insertRows(messages, db: db)
            for (key, change) in summaries { try Self.apply(change, to: key, db: db) }
        }
    }

    /// Inserts the message rows alone, many per statement: one step per chunk instead of per message.
    static func insertRows(_ messages: [Message], db: Database) throws {
        var offset = 0
        while offset < messages.count {
            let chunk = messages[offset..<min(offset + rowsPerInsert, messages.count)]
            try MessageRowBinder.insert(chunk, with: db.cachedStatement(sql: insertMessagesSQL(rows: chunk.count)), in: db)
            offset += chunk.count
        }
    }

    /// Creates the conversation if this batch brings its first message. A contact that already has another
    /// conversation in the location violates the unique key, and the whole batch rolls back.
    static func createIfMissing(_ key: ConversationKey, _ change: ConversationSummaryChange, db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO conversations (location_id, id, contact_id, date_added, date_updated)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (location_id, id) DO NOTHING
                """
        ).execute(arguments: [
            key.location.rawValue, key.conversation.rawValue, change.newest.contactId.rawValue,
            change.oldestDate.rawValue, change.newest.dateAdded.rawValue,
        ])
    }

    static func apply(_ change: ConversationSummaryChange, to key: ConversationKey, db: Database) throws {
        let newest = change.newest
        // The summary follows the newest message by (dateAdded, id), the same order the page uses.
        try db.cachedStatement(
            sql: """
                UPDATE conversations SET
                    unread_count = unread_count + ?,
                    date_updated = MAX(date_updated, ?),
                    last_message_id = CASE WHEN last_message_date IS NULL OR (last_message_date, last_message_id) < (?, ?)
                        THEN ? ELSE last_message_id END,
                    last_message_body = CASE WHEN last_message_date IS NULL OR (last_message_date, last_message_id) < (?, ?)
                        THEN ? ELSE last_message_body END,
                    last_message_type = CASE WHEN last_message_date IS NULL OR (last_message_date, last_message_id) < (?, ?)
                        THEN ? ELSE last_message_type END,
                    last_message_direction = CASE WHEN last_message_date IS NULL OR (last_message_date, last_message_id) < (?, ?)
                        THEN ? ELSE last_message_direction END,
                    last_message_date = CASE WHEN last_message_date IS NULL OR (last_message_date, last_message_id) < (?, ?)
                        THEN ? ELSE last_message_date END
                WHERE location_id = ? AND id = ?
                """
        ).execute(arguments: [
            change.inboundCount, newest.dateAdded.rawValue,
            newest.dateAdded.rawValue, newest.id.rawValue, newest.id.rawValue,
            newest.dateAdded.rawValue, newest.id.rawValue, newest.body,
            newest.dateAdded.rawValue, newest.id.rawValue, newest.type.code,
            newest.dateAdded.rawValue, newest.id.rawValue, newest.direction?.rawValue,
            newest.dateAdded.rawValue, newest.id.rawValue, newest.dateAdded.rawValue,
            key.location.rawValue, key.conversation.rawValue,
        ])
    }

    static let messageColumns = """
        location_id, id, conversation_id, contact_id, type_code, direction, status, body, content_type, date_added,
        date_updated, source, user_id, alt_id, attachments, call_duration, call_status, email_message_ids,
        conversation_provider_id, chat_widget_id
        """

    /// 20 columns × 50 rows stays far below SQLite's limit of 32,766 bound parameters.
    private static let rowsPerInsert = 50
    private static let fullInsertSQL = insertMessagesSQL(building: rowsPerInsert)

    private static func insertMessagesSQL(rows: Int) -> String {
        rows == rowsPerInsert ? fullInsertSQL : insertMessagesSQL(building: rows)
    }

    private static func insertMessagesSQL(building rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: 20).joined(separator: ",") + ")"
        return "INSERT INTO messages (\(messageColumns)) VALUES " + Array(repeating: row, count: rows).joined(separator: ",")
    }

    public func messagePage(_ query: MessagePageQuery, logger: Logger) async throws -> MessagePage {
        try await pool.read { db in
            var arguments: StatementArguments = [query.conversationId.rawValue, query.locationId.rawValue]
            // Pinned to the page index: without statistics SQLite preferred the export index (location, date), which
            // also avoids a sort, and scanned the whole location for one conversation's page — 0.3 s for the newest
            // page and 3 s with a type filter at 1,000,000 messages, instead of a range of one conversation.
            var sql = "SELECT \(Self.messageColumns) FROM messages INDEXED BY messages_page WHERE conversation_id = ? AND location_id = ?"
            if let cursor = query.lastMessageId {
                let position = try db.cachedStatement(
                    sql: "SELECT date_added FROM messages WHERE location_id = ? AND id = ? AND conversation_id = ?")
                guard
                    let dateAdded = try Int64.fetchOne(
                        position,
                        arguments: [query.locationId.rawValue, cursor.rawValue, query.conversationId.rawValue])
                else { throw SwitchboardError.invalidLastMessageId }
                sql += " AND (date_added, id) < (?, ?)"
                arguments += [dateAdded, cursor.rawValue]
            }
            if let filter = query.filter {
                sql += " AND type_code IN (" + filter.types.map { _ in "?" }.joined(separator: ",") + ")"
                arguments += StatementArguments(filter.types.map(\.code))
            }
            sql += " ORDER BY date_added DESC, id DESC LIMIT ?"
            arguments += [query.limit + 1]
            var messages: [Message] = []
            messages.reserveCapacity(query.limit + 1)
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
            while let row = try rows.next() {
                messages.append(try Self.message(from: row))
            }
            let nextPage = messages.count > query.limit
            if nextPage { messages.removeLast() }
            return MessagePage(messages: messages, nextPage: nextPage)
        }
    }

    public func message(_ id: MessageID, in location: LocationID, logger: Logger) async throws -> Message? {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.messageColumns) FROM messages WHERE location_id = ? AND id = ?")
            return try Row.fetchOne(statement, arguments: [location.rawValue, id.rawValue]).map(Self.message(from:))
        }
    }

    static func message(from row: Row) throws -> Message {
        let code: Int = row[4]
        guard let type = MessageType(code: code) else { throw StoreError.unavailable("unknown message type \(code)") }
        let callDuration: Int? = row[15]
        let callStatus: String? = row[16]
        return Message(
            id: MessageID(rawValue: row[1]), conversationId: ConversationID(rawValue: row[2]),
            locationId: LocationID(rawValue: row[0]), contactId: ContactID(rawValue: row[3]), messageType: type,
            direction: (row[5] as String?).flatMap(MessageDirection.init(rawValue:)), status: row[6], body: row[7],
            contentType: row[8], dateAdded: Timestamp(rawValue: row[9]), dateUpdated: Timestamp(rawValue: row[10]),
            source: row[11], userId: row[12], altId: row[13], attachments: (row[14] as String?).map(StringListColumn.decode),
            call: callDuration == nil && callStatus == nil ? nil : CallDetails(duration: callDuration, status: callStatus),
            emailMessageIds: (row[17] as String?).map(StringListColumn.decode), conversationProviderId: row[18],
            chatWidgetId: row[19])
    }

    /// `PRAGMA data_version` moves when another connection commits; it is read on a connection of its own, so the
    /// pool's writer counts as "another connection" too.
    public func changeToken(logger: Logger) async throws -> Int64? {
        try await watcher.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") }
    }

    public func ping(logger: Logger) async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Runs a write, mapping constraint violations to `StoreError.duplicate`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    /// A broken unique key is a duplicate; a lock held past the busy timeout (by an import: see `withImport`) is an
    /// outage the client may retry, not a server fault.
    static func storeError(_ error: DatabaseError) -> any Error {
        error.storeError ?? error
    }
}

extension DatabaseError: StoreFaultClassifying {
    /// A broken unique key is a duplicate. What the disk or the file did — full, failing, corrupt, locked past the
    /// busy timeout, made read-only — is an outage the client may retry (503), never a 500: nothing was stored.
    public var storeError: StoreError? {
        switch resultCode {
        case .SQLITE_CONSTRAINT: .duplicate
        case .SQLITE_BUSY, .SQLITE_LOCKED: .unavailable("the database is locked by another writer")
        case .SQLITE_FULL: .unavailable("the disk is full")
        case .SQLITE_IOERR: .unavailable("the disk failed to read or write (I/O error)")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: .unavailable("the database file is corrupt")
        case .SQLITE_CANTOPEN: .unavailable("the database file cannot be opened")
        case .SQLITE_READONLY: .unavailable("the database file is read-only")
        case .SQLITE_NOMEM: .unavailable("SQLite ran out of memory")
        case .SQLITE_PROTOCOL, .SQLITE_INTERRUPT: .unavailable("the database was interrupted")
        default: nil
        }
    }
}

/// How a batch of new messages moves one conversation's summary. It keeps only what the conversation row takes from
/// them, so a bulk load can hold one for every conversation it writes.
struct ConversationSummaryChange {
    /// The newest message by (dateAdded, id), the order the page uses.
    struct Newest {
        var id: MessageID
        var dateAdded: Timestamp
        var contactId: ContactID
        var type: MessageType
        var direction: MessageDirection?
        var body: String?

        init(_ message: Message) {
            id = message.id
            dateAdded = message.dateAdded
            contactId = message.contactId
            type = message.messageType
            direction = message.direction
            body = message.body
        }
    }

    var newest: Newest
    var oldestDate: Timestamp
    var inboundCount = 0

    init(first: Message) {
        newest = Newest(first)
        oldestDate = first.dateAdded
    }

    /// The change these messages make to each conversation they are in.
    static func perConversation(_ messages: [Message]) -> [ConversationKey: ConversationSummaryChange] {
        var changes: [ConversationKey: ConversationSummaryChange] = [:]
        for message in messages {
            changes[ConversationKey(message), default: ConversationSummaryChange(first: message)].add(message)
        }
        return changes
    }

    mutating func add(_ message: Message) {
        if (message.dateAdded, message.id) > (newest.dateAdded, newest.id) { newest = Newest(message) }
        oldestDate = min(oldestDate, message.dateAdded)
        if message.direction == .inbound { inboundCount += 1 }
    }

    /// Adds a later batch's change to the same conversation.
    mutating func add(_ later: ConversationSummaryChange) {
        if (later.newest.dateAdded, later.newest.id) > (newest.dateAdded, newest.id) { newest = later.newest }
        oldestDate = min(oldestDate, later.oldestDate)
        inboundCount += later.inboundCount
    }
}

struct ConversationKey: Hashable {
    var location: LocationID
    var conversation: ConversationID
    init(_ message: Message) {
        location = message.locationId
        conversation = message.conversationId
    }
}

/// Lists of strings (attachments, email message ids) are kept as a JSON array in one column.
enum StringListColumn {
    static func encode(_ values: [String]) -> String {
        var json = JSONWriter(capacity: 64)
        json.stringArray(values)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

// MARK: - Contacts

extension SQLiteConversationStore {
    private static let contactColumns = """
        location_id, id, first_name, last_name, name, email, phone, company_name, date_added, date_updated
        """

    public func createContact(_ contact: Contact, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO contacts (\(Self.contactColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: Self.arguments(for: contact))
        }
    }

    public func createMissing(locations: [Location], contacts: [Contact], logger: Logger) async throws {
        guard !locations.isEmpty || !contacts.isEmpty else { return }
        try await write { db in try Self.createMissing(locations: locations, contacts: contacts, db: db) }
    }

    static func createMissing(locations: [Location], contacts: [Contact], db: Database) throws {
        let location = try db.cachedStatement(
            sql: "INSERT INTO locations (id, name, date_added) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
        for new in locations {
            try location.execute(arguments: [new.id.rawValue, new.name, new.dateAdded.rawValue])
        }
        let contact = try db.cachedStatement(
            sql: """
                INSERT INTO contacts (\(contactColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (location_id, id) DO NOTHING
                """)
        for new in contacts { try contact.execute(arguments: arguments(for: new)) }
    }

    public func contact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> Contact? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.contactColumns) FROM contacts WHERE location_id = ? AND id = ?",
                arguments: [location.rawValue, id.rawValue]
            ).map { Self.contact(from: $0) }
        }
    }

    public func findContact(email: String?, phone: String?, in location: LocationID, logger: Logger) async throws
        -> Contact?
    {
        try await pool.read { db in
            if let email,
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.contactColumns) FROM contacts WHERE location_id = ? AND email = ? COLLATE NOCASE
                        ORDER BY date_added, id LIMIT 1
                        """,
                    arguments: [location.rawValue, email])
            {
                return Self.contact(from: row)
            }
            if let phone,
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.contactColumns) FROM contacts WHERE location_id = ? AND phone = ?
                        ORDER BY date_added, id LIMIT 1
                        """,
                    arguments: [location.rawValue, phone])
            {
                return Self.contact(from: row)
            }
            return nil
        }
    }

    public func updateContact(_ contact: Contact, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE contacts SET first_name = ?, last_name = ?, name = ?, email = ?, phone = ?, company_name = ?,
                        date_updated = ?
                    WHERE location_id = ? AND id = ?
                    """,
                arguments: [
                    contact.firstName, contact.lastName, contact.name, contact.email, contact.phone, contact.companyName,
                    contact.dateUpdated.rawValue, contact.locationId.rawValue, contact.id.rawValue,
                ])
        }
    }

    private static func arguments(for contact: Contact) -> StatementArguments {
        [
            contact.locationId.rawValue, contact.id.rawValue, contact.firstName, contact.lastName, contact.name,
            contact.email, contact.phone, contact.companyName, contact.dateAdded.rawValue, contact.dateUpdated.rawValue,
        ]
    }

    static func contact(from row: Row, offset: Int = 0) -> Contact {
        Contact(
            id: ContactID(rawValue: row[offset + 1]), locationId: LocationID(rawValue: row[offset]),
            firstName: row[offset + 2], lastName: row[offset + 3], name: row[offset + 4], email: row[offset + 5],
            phone: row[offset + 6], companyName: row[offset + 7], dateAdded: Timestamp(rawValue: row[offset + 8]),
            dateUpdated: Timestamp(rawValue: row[offset + 9]))
    }
}

// MARK: - Conversation changes and search

extension SQLiteConversationStore {
    public func conversation(forContact contact: ContactID, in location: LocationID, logger: Logger) async throws
        -> Conversation?
    {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.conversationColumns) FROM conversations WHERE location_id = ? AND contact_id = ?",
                arguments: [location.rawValue, contact.rawValue]
            ).map(Self.conversation(from:))
        }
    }

    public func updateConversation(
        _ id: ConversationID, in location: LocationID, changes: ConversationChanges, at time: Timestamp,
        logger: Logger
    ) async throws -> Conversation? {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE conversations SET unread_count = COALESCE(?, unread_count), starred = COALESCE(?, starred),
                        feedback = COALESCE(?, feedback), date_updated = ?
                    WHERE location_id = ? AND id = ?
                    """,
                arguments: [
                    changes.unreadCount, changes.starred, changes.feedback, time.rawValue, location.rawValue,
                    id.rawValue,
                ])
            return try Row.fetchOne(
                db, sql: "SELECT \(Self.conversationColumns) FROM conversations WHERE location_id = ? AND id = ?",
                arguments: [location.rawValue, id.rawValue]
            ).map(Self.conversation(from:))
        }
    }

    public func deleteConversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Bool {
        try await write { db in
            try db.execute(
                // The page index holds one conversation's rows together; the planner otherwise walks the location.
                sql: "DELETE FROM messages INDEXED BY messages_page WHERE location_id = ? AND conversation_id = ?",
                arguments: [location.rawValue, id.rawValue])
            try db.execute(
                sql: "DELETE FROM conversations WHERE location_id = ? AND id = ?",
                arguments: [location.rawValue, id.rawValue])
            return db.changesCount > 0
        }
    }

    public func searchConversations(_ query: ConversationSearchQuery, logger: Logger) async throws
        -> ConversationSearchResult
    {
        try await pool.read { db in
            // The sort key: the last message's date, or the creation date of a conversation without messages.
            let sortKey = "COALESCE(c.last_message_date, c.date_added)"
            var from = "FROM conversations c"
            var arguments: StatementArguments = []
            if let text = query.searchText, ConversationSearchIndex.canSearch(text) {
                // The index's hits drive the query (CROSS JOIN keeps them the outer loop); the exact rule below
                // decides among them.
                from = """
                    FROM (SELECT rowid AS hit FROM \(ConversationSearchIndex.table) WHERE \(ConversationSearchIndex.table) MATCH ?) h
                    CROSS JOIN conversations c ON c.rowid = h.hit
                    """
                arguments += [ConversationSearchIndex.phrase(text)]
            }
            from += " LEFT JOIN contacts p ON p.location_id = c.location_id AND p.id = c.contact_id"
            var conditions = ["c.location_id = ?"]
            arguments += [query.locationId.rawValue]
            if let contactId = query.contactId {
                conditions.append("c.contact_id = ?")
                arguments += [contactId.rawValue]
            }
            if let text = query.searchText, !text.isEmpty {
                let fields = ["p.name", "p.first_name || ' ' || p.last_name", "p.email", "p.phone", "c.last_message_body"]
                conditions.append(
                    "(" + fields.map { "instr(lower(COALESCE(\($0), '')), lower(?)) > 0" }.joined(separator: " OR ") + ")")
                arguments += StatementArguments(Array(repeating: text, count: fields.count))
            }
            switch query.status {
            case .all, .recents: break
            case .read: conditions.append("c.unread_count = 0")
            case .unread: conditions.append("c.unread_count > 0")
            case .starred: conditions.append("c.starred = 1")
            }
            if let type = query.lastMessageType {
                conditions.append("c.last_message_type = ?")
                arguments += [type.code]
            }
            if let direction = query.lastMessageDirection {
                conditions.append("c.last_message_direction = ?")
                arguments += [direction.rawValue]
            }
            let filter = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from) WHERE \(filter)", arguments: arguments) ?? 0
            var pageFilter = filter
            var pageArguments = arguments
            if let after = query.startAfterDate {
                pageFilter += query.sort == .desc ? " AND \(sortKey) < ?" : " AND \(sortKey) > ?"
                pageArguments += [after.rawValue]
            }
            let order = query.sort == .desc ? "DESC" : "ASC"
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.conversationColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
                        p.location_id, p.id, p.first_name, p.last_name, p.name, p.email, p.phone, p.company_name,
                        p.date_added, p.date_updated
                    \(from) WHERE \(pageFilter)
                    ORDER BY \(sortKey) \(order), c.id \(order) LIMIT ?
                    """,
                arguments: pageArguments + [query.limit])
            let listings = rows.map { row in
                ConversationListing(
                    conversation: Self.conversation(from: row),
                    contact: (row[13] as String?) == nil ? nil : Self.contact(from: row, offset: 12))
            }
            return ConversationSearchResult(conversations: listings, total: total)
        }
    }
}

// MARK: - Message status and export

extension SQLiteConversationStore {
    public func updateMessageStatus(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        try await write { db in
            try db.execute(
                sql: "UPDATE messages SET status = ?, date_updated = ? WHERE location_id = ? AND id = ?",
                arguments: [status, time.rawValue, location.rawValue, id.rawValue])
            return try Row.fetchOne(
                db, sql: "SELECT \(Self.messageColumns) FROM messages WHERE location_id = ? AND id = ?",
                arguments: [location.rawValue, id.rawValue]
            ).map(Self.message(from:))
        }
    }

    public func exportMessages(_ query: MessageExportQuery, logger: Logger) async throws -> MessageExportPage {
        try await pool.read { db in
            let dateColumn = query.sortBy == .createdAt ? "date_added" : "date_updated"
            // One conversation by creation date is a range of the page index; the planner would walk the location.
            let table = query.conversationId != nil && query.sortBy == .createdAt ? "messages INDEXED BY messages_page" : "messages"
            var conditions = ["location_id = ?"]
            var arguments: StatementArguments = [query.locationId.rawValue]
            if let conversationId = query.conversationId {
                conditions.append("conversation_id = ?")
                arguments += [conversationId.rawValue]
            }
            if let contactId = query.contactId {
                conditions.append("contact_id = ?")
                arguments += [contactId.rawValue]
            }
            if let types = query.types {
                conditions.append("type_code IN (" + types.map { _ in "?" }.joined(separator: ",") + ")")
                arguments += StatementArguments(types.map(\.code))
            }
            if let start = query.startDate {
                conditions.append("\(dateColumn) >= ?")
                arguments += [start.rawValue]
            }
            if let end = query.endDate {
                conditions.append("\(dateColumn) <= ?")
                arguments += [end.rawValue]
            }
            let filter = conditions.joined(separator: " AND ")
            // Counted on the first page only: later pages carry the total in their cursor.
            let total = try query.cursor?.total
                ?? Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(filter)", arguments: arguments) ?? 0
            var pageFilter = filter
            var pageArguments = arguments
            if let cursor = query.cursor {
                pageFilter += query.sortOrder == .desc ? " AND (\(dateColumn), id) < (?, ?)" : " AND (\(dateColumn), id) > (?, ?)"
                pageArguments += [cursor.date.rawValue, cursor.id.rawValue]
            }
            let order = query.sortOrder == .desc ? "DESC" : "ASC"
            var messages = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.messageColumns) FROM \(table) WHERE \(pageFilter)
                    ORDER BY \(dateColumn) \(order), id \(order) LIMIT ?
                    """,
                arguments: pageArguments + [query.limit + 1]
            ).map(Self.message(from:))
            var nextCursor: ExportCursor?
            if messages.count > query.limit {
                messages.removeLast()
                if let last = messages.last {
                    nextCursor = ExportCursor(
                        date: query.sortBy == .createdAt ? last.dateAdded : last.dateUpdated, id: last.id, total: total)
                }
            }
            return MessageExportPage(messages: messages, nextCursor: nextCursor, total: total)
        }
    }
}
