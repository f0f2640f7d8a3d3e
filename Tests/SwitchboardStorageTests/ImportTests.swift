import Foundation
import GRDB
import SwitchboardCore
import SwitchboardPostgres
@testable import SwitchboardSQLite
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// `withImport`: what an import stores is what the same batches stored one transaction each would store, on both
/// backends, whether or not the backend writes it as one bulk load.
@Suite struct ImportTests {
    /// Three batches over three conversations, with an older message arriving last and a refused batch between:
    /// the conversations, their summaries and their pages are exactly those of the batches written one by one.
    @Test(arguments: Backend.allCases)
    func anImportStoresWhatItsBatchesWouldStore(_ backend: Backend) async throws {
        let location = LocationID.generate()
        let batches = ImportFixture(location: location).batches
        let (imported, reference) = try await withStore(backend) { store in
            try await withStore(backend) { other in
                try await store.withImport(logger: .test) { writer in
                    // SQLite loads an empty database in bulk; PostgreSQL writes batch by batch.
                    #expect((writer is SQLiteBulkLoad) == (backend == .sqlite))
                    try await ImportFixture.write(batches, location: location, through: writer)
                }
                try await ImportFixture.write(
                    batches, location: location, through: BatchTransactionsWriter(store: other, logger: .test))
                return (
                    try await ImportFixture.contents(of: store, location: location),
                    try await ImportFixture.contents(of: other, location: location)
                )
            }
        }
        #expect(imported == reference)
        // And that is what the fixture means: not two equally wrong answers.
        let busy = try #require(imported.conversations.first { $0.id == ImportFixture.busy })
        #expect(busy.unreadCount == 3)
        #expect(busy.lastMessageBody == "newest")
        #expect(busy.dateAdded == Timestamp(rawValue: testEpoch.rawValue + 1))
        #expect(busy.dateUpdated == Timestamp(rawValue: testEpoch.rawValue + 50))
        #expect(imported.pages[ImportFixture.busy]?.map(\.id.rawValue) == ["b5", "b4", "b3", "b2", "b1", "b0"])
        #expect(imported.pages[ImportFixture.refused] == [])
        #expect(imported.conversations.map(\.id).sorted() == [ImportFixture.busy, ImportFixture.quiet])
    }

    /// `--strict`'s import into a store that already holds messages: one transaction, so what it wrote (a refused
    /// batch in between included) is gone when it fails, and stored as the batches would store it when it ends.
    @Test(arguments: Backend.allCases)
    func anAllOrNothingImportIsOneTransactionOverExistingMessages(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let earlier = LocationID.generate()
            try await ImportFixture.write(
                ImportFixture(location: earlier).batches, location: earlier,
                through: BatchTransactionsWriter(store: store, logger: .test))
            let before = try await ImportFixture.contents(of: store, location: earlier)
            #expect(before.conversations.count == 2)

            let location = LocationID.generate()
            let batches = ImportFixture(location: location).batches
            await #expect(throws: ImportFixture.Stop.self) {
                try await store.withImport(allOrNothing: true, logger: .test) { writer in
                    try await ImportFixture.write(batches, location: location, through: writer)
                    throw ImportFixture.Stop()
                }
            }
            #expect(try await store.location(location, logger: .test) == nil)
            #expect(try await ImportFixture.contents(of: store, location: location).conversations.isEmpty)
            #expect(try await ImportFixture.contents(of: store, location: earlier) == before)

            try await store.withImport(allOrNothing: true, logger: .test) { writer in
                try await ImportFixture.write(batches, location: location, through: writer)
            }
            let imported = try await ImportFixture.contents(of: store, location: location)
            let busy = try #require(imported.conversations.first { $0.id == ImportFixture.busy })
            #expect(busy.unreadCount == 3)
            #expect(busy.lastMessageBody == "newest")
            #expect(imported.pages[ImportFixture.busy]?.map(\.id.rawValue) == ["b5", "b4", "b3", "b2", "b1", "b0"])
            #expect(imported.pages[ImportFixture.refused] == [])
        }
    }

    /// Into a SQLite database without messages the import is one transaction: if it fails, nothing of it is stored,
    /// what was stored before is as it was, and the indexes and triggers it set aside are back.
    @Test func aFailedBulkLoadStoresNothing() async throws {
        try await withSQLiteStore { store in
            let before = try await StoredBefore(in: store)
            let location = LocationID.generate()
            await #expect(throws: ImportFixture.Stop.self) { try await ImportFixture.failAfterWriting(into: store, location: location) }
            #expect(try await StoredBefore(in: store, as: before) == before)
            #expect(try await store.location(location, logger: .test) == nil)
            #expect(try await store.messageIndexes() == Self.messageIndexes)
            #expect(try await store.searchTriggers() == Self.searchTriggers)
        }
    }

    /// A bulk load whose task is cancelled stores nothing either, and leaves the database writable.
    @Test func aCancelledBulkLoadStoresNothing() async throws {
        try await withSQLiteStore { store in
            let before = try await StoredBefore(in: store)
            let location = LocationID.generate()
            let (written, signal) = AsyncStream<Void>.makeStream()
            let load = Task {
                try await store.withImport(logger: .test) { writer in
                    try await ImportFixture.write(ImportFixture(location: location).batches, location: location, through: writer)
                    signal.yield()
                    try await Task.sleep(for: .seconds(60))
                }
            }
            for await _ in written { break }
            load.cancel()
            await #expect(throws: CancellationError.self) { try await load.value }
            #expect(try await StoredBefore(in: store, as: before) == before)
            #expect(try await store.location(location, logger: .test) == nil)
            #expect(try await store.messageIndexes() == Self.messageIndexes)
            #expect(try await store.searchTriggers() == Self.searchTriggers)
            try await store.insertMessages(
                [makeMessage(conversation: .generate(), location: before.tenant, contact: .generate(), at: 0)], logger: .test)
        }
    }

    /// A bulk load skips the foreign-key lookup per message, not the keys: rows of a location that does not exist
    /// fail the commit, and nothing is stored.
    @Test func aBulkLoadRefusesRowsOfAnUnknownLocation() async throws {
        try await withSQLiteStore { store in
            let before = try await StoredBefore(in: store)
            let nowhere = LocationID.generate()
            await #expect(throws: StoreError.unavailable("the import wrote conversations of a location that does not exist")) {
                try await store.withImport(logger: .test) { writer in
                    try await writer.insertMessages(
                        [makeMessage(conversation: .generate(), location: nowhere, contact: .generate(), at: 0)])
                }
            }
            #expect(try await StoredBefore(in: store, as: before) == before)
            #expect(try await store.messageIndexes() == Self.messageIndexes)
        }
    }

    /// Into a database that holds messages, each batch commits on its own: a later failure keeps the earlier batches.
    @Test func anImportBesideMessagesCommitsEachBatch() async throws {
        try await withSQLiteStore { store in
            let tenant = try await store.makeTenant()
            try await store.insertMessages(
                [makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 0)], logger: .test)
            let location = LocationID.generate()
            await #expect(throws: ImportFixture.Stop.self) { try await ImportFixture.failAfterWriting(into: store, location: location) }
            let busy = try await store.conversation(ImportFixture.busy, in: location, logger: .test)
            #expect(busy?.unreadCount == 3)
            #expect(try await store.messageIndexes() == Self.messageIndexes)
        }
    }

    /// The batch size the importer uses when not told: 5,000 for SQLite's bulk load (held in memory per savepoint:
    /// 50,000 peaked at 652 MB on realistic data), 2,000 for a strict one beside stored messages (a savepoint keeps
    /// every index page its batch changes: 25,000 peaked at 1,214 MB), no preference where each batch is its own
    /// transaction.
    @Test(arguments: Backend.allCases)
    func onlyTheBulkLoadAsksForSmallBatches(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let empty = try await store.withImport(logger: .test) { writer in writer.preferredBatchSize }
            #expect(empty == (backend == .sqlite ? 5_000 : nil))
            let tenant = try await store.makeTenant()
            try await store.insertMessages(
                [makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 0)], logger: .test)
            let beside = try await store.withImport(logger: .test) { writer in writer.preferredBatchSize }
            #expect(beside == nil)
            let strictBeside = try await store.withImport(allOrNothing: true, logger: .test) { writer in writer.preferredBatchSize }
            #expect(strictBeside == (backend == .sqlite ? 2_000 : nil))
        }
    }

    /// While a bulk load holds the write lock, readers see the database as it was and other writers get
    /// `StoreError.unavailable` (503 over HTTP) once the busy timeout passes, not a server error.
    @Test func aBulkLoadKeepsReadersAndTurnsAwayWriters() async throws {
        try await withTemporarySQLitePath { path in
            let store = try SQLiteConversationStore(path: path)
            let other = try SQLiteConversationStore(path: path)
            let location = LocationID.generate()
            let batches = ImportFixture(location: location).batches
            try await store.withImport(logger: .test) { writer in
                try await ImportFixture.write(batches, location: location, through: writer)
                #expect(try await other.conversation(ImportFixture.busy, in: location, logger: .test) == nil)
                let started = ContinuousClock.now
                await #expect(throws: StoreError.unavailable("the database is locked by another writer")) {
                    try await other.createLocation(Location(id: .generate(), name: "Late", dateAdded: testEpoch), logger: .test)
                }
                #expect(ContinuousClock.now - started >= .seconds(4))
            }
            #expect(try await other.conversation(ImportFixture.busy, in: location, logger: .test)?.unreadCount == 3)
            #expect(try await other.messageIndexes() == Self.messageIndexes)
            // The log that held the import is emptied, so the next process to open the database need not read it.
            let log = try FileManager.default.attributesOfItem(atPath: path + "-wal")
            #expect(log[.size] as? Int == 0)
        }
    }

    /// A batch of 64 messages or more goes in by COPY on PostgreSQL (`PostgresMessageCopy`), fewer by INSERT: the
    /// same messages written both ways read back the same, field for field: text with backslashes (`\N` among
    /// them), tabs, line breaks, non-ASCII, a NUL (the text ends there), and NULL in every column that has one.
    @Test(arguments: Backend.allCases, [false, true])
    func aLargeBatchStoresEveryFieldAsSmallOnesDo(_ backend: Backend, allOrNothing: Bool) async throws {
        let texts: [String?] = [nil, "", "plain", "back\\slash \\N", "tab\there", "line\nbreak\r\nend", "nul\u{0}cut", "é ✅ شكرا", "\\."]
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            func messages(_ conversation: ConversationID, _ contact: ContactID) -> [Message] {
                (0..<100).map { index in
                    let text = texts[index % texts.count]
                    return Message(
                        id: MessageID(rawValue: "m\(index)-\(conversation.rawValue)"), conversationId: conversation,
                        locationId: tenant.location, contactId: contact, messageType: index % 2 == 0 ? .sms : .call,
                        direction: index % 3 == 0 ? nil : .outbound, status: text, body: text, contentType: text,
                        dateAdded: Timestamp(rawValue: testEpoch.rawValue + Int64(index)),
                        dateUpdated: Timestamp(rawValue: testEpoch.rawValue + Int64(index * 2)), source: text,
                        userId: text, altId: text, attachments: index % 4 == 0 ? nil : [text ?? "none", "quote\"d"],
                        call: index % 2 == 0 ? nil : CallDetails(duration: index % 5 == 0 ? nil : index, status: text),
                        emailMessageIds: index % 3 == 1 ? [text ?? "none"] : nil, conversationProviderId: text,
                        chatWidgetId: text)
                }
            }
            let (copied, inserted) = (ConversationID(rawValue: "copied"), ConversationID(rawValue: "inserted"))
            let contacts = (ContactID(rawValue: "copiedContact"), ContactID(rawValue: "insertedContact"))
            try await store.withImport(allOrNothing: allOrNothing, logger: .test) { writer in
                try await writer.createMissing(
                    locations: [], contacts: [contacts.0, contacts.1].map { Contact(id: $0, locationId: tenant.location, dateAdded: testEpoch) })
                try await writer.insertMessages(messages(copied, contacts.0), events: [])
                for message in messages(inserted, contacts.1) { try await writer.insertMessages([message], events: []) }
            }
            func page(_ conversation: ConversationID) async throws -> [Message] {
                try await store.messagePage(
                    MessagePageQuery(conversationId: conversation, locationId: tenant.location, limit: 100), logger: .test
                ).messages
            }
            let copiedPage = try await page(copied)
            let insertedPage = try await page(inserted)
            #expect(copiedPage.count == 100)
            #expect(insertedPage.count == 100)
            let alike = copiedPage.map { message in
                var message = message
                message.id = MessageID(rawValue: message.id.rawValue.replacingOccurrences(of: "-copied", with: "-inserted"))
                message.conversationId = inserted
                message.contactId = contacts.1
                return message
            }
            #expect(alike == insertedPage)
            #expect(Set(copiedPage.map(\.body)) == [nil, "", "plain", "back\\slash \\N", "tab\there", "line\nbreak\r\nend", "nul", "é ✅ شكرا", "\\."])
        }
    }

    /// A large batch (COPY on PostgreSQL) that repeats a stored id is refused whole, as a small one is, and the
    /// import goes on after it.
    @Test(arguments: Backend.allCases, [false, true])
    func aLargeBatchRepeatingAStoredIdIsRefusedWhole(_ backend: Backend, allOrNothing: Bool) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let contact = ContactID.generate()
            let conversation = ConversationID.generate()
            func message(_ id: String, at milliseconds: Int64) -> Message {
                makeMessage(id, conversation: conversation, location: tenant.location, contact: contact, at: milliseconds)
            }
            try await store.withImport(allOrNothing: allOrNothing, logger: .test) { writer in
                try await writer.createMissing(locations: [], contacts: [Contact(id: contact, locationId: tenant.location, dateAdded: testEpoch)])
                try await writer.insertMessages([message("first", at: 0)], events: [])
                let repeating = (1...100).map { message($0 == 50 ? "first" : "r\($0)", at: Int64($0)) }
                await #expect(throws: StoreError.duplicate) { try await writer.insertMessages(repeating, events: []) }
                try await writer.insertMessages((1...100).map { message("n\($0)", at: Int64($0)) }, events: [])
            }
            let page = try await store.messagePage(
                MessagePageQuery(conversationId: conversation, locationId: tenant.location, limit: 200), logger: .test)
            #expect(page.messages.count == 101)
            #expect(!page.messages.contains { $0.id.rawValue.hasPrefix("r") })
        }
    }

    /// While the id's unique index is set aside, a bulk load refuses a repeated id itself, as that index would:
    /// within a batch and against an earlier batch, writing nothing of the batch; the same id in another location
    /// is another message. Also when every id has the same hash, so that each is looked for in the whole table.
    @Test(arguments: [false, true])
    func aBulkLoadRefusesARepeatedId(everyHashShared: Bool) async throws {
        try await withTemporarySQLitePath { path in
            let store = try SQLiteConversationStore(path: path)
            let here = LocationID.generate()
            let there = LocationID.generate()
            let contact = ContactID.generate()
            let conversation = ConversationID.generate()
            func message(_ id: String, at milliseconds: Int64, in location: LocationID? = nil) -> Message {
                makeMessage(id, conversation: conversation, location: location ?? here, contact: contact, at: milliseconds)
            }
            let shared: BulkLoadMessageKeys.Hash = { _, _ in 7 }
            let hash = everyHashShared ? shared : BulkLoadMessageKeys.randomlySeeded
            let load = try #require(try await SQLiteBulkLoad.begin(path: path, evenWhenNotEmpty: false, keyHash: hash))
            try await load.createMissing(
                locations: [here, there].map { Location(id: $0, name: "Imported", dateAdded: testEpoch) },
                contacts: [here, there].map { Contact(id: contact, locationId: $0, dateAdded: testEpoch) })
            try await load.insertMessages([message("m1", at: 1), message("m2", at: 2)], events: [])
            await #expect(throws: StoreError.duplicate) {
                try await load.insertMessages([message("m3", at: 3), message("m3", at: 4)], events: [])
            }
            await #expect(throws: StoreError.duplicate) {
                try await load.insertMessages([message("m4", at: 5), message("m2", at: 6)], events: [])
            }
            try await load.insertMessages([message("m3", at: 3), message("m4", at: 5)], events: [])
            await #expect(throws: StoreError.duplicate) { try await load.insertMessages([message("m4", at: 7)], events: []) }
            try await load.insertMessages([message("m1", at: 8, in: there)], events: [])
            try await load.commit()

            func page(_ location: LocationID) async throws -> [String] {
                try await store.messagePage(
                    MessagePageQuery(conversationId: conversation, locationId: location, limit: 10), logger: .test
                ).messages.map(\.id.rawValue)
            }
            #expect(try await page(here) == ["m4", "m3", "m2", "m1"])
            #expect(try await page(there) == ["m1"])
            #expect(try await store.messageIndexes() == Self.messageIndexes)
        }
    }

    /// A bulk load indexes its conversations for search at its end, with the search triggers set aside meanwhile:
    /// what it wrote is found as the triggers would have indexed it (a new conversation by its last message and its
    /// contact, one that was there before by its new last message), and the triggers are back for later writes.
    @Test func aBulkLoadPutsItsConversationsInTheSearchIndex() async throws {
        try await withSQLiteStore { store in
            let before = try await StoredBefore(in: store)
            let location = before.tenant
            let existing = try #require(before.conversation)
            let fresh = ConversationID(rawValue: "freshConversation")
            let freshContact = ContactID(rawValue: "freshContact")
            try await store.withImport(logger: .test) { writer in
                #expect(writer is SQLiteBulkLoad)
                try await writer.createMissing(
                    locations: [], contacts: [Contact(id: freshContact, locationId: location, name: "Quentin Zephyr", dateAdded: testEpoch)])
                try await writer.insertMessages(
                    [
                        makeMessage("e1", conversation: existing.id, location: location, contact: existing.contactId, at: 1, body: "parcel pickup"),
                        makeMessage("f1", conversation: fresh, location: location, contact: freshContact, at: 2, body: "first note"),
                    ], events: [])
                try await writer.insertMessages(
                    [makeMessage("f2", conversation: fresh, location: location, contact: freshContact, at: 3, body: "invoice overdue")],
                    events: [])
            }
            func found(_ text: String) async throws -> [String] {
                try await store.searchConversations(ConversationSearchQuery(locationId: location, text: text), logger: .test)
                    .conversations.map(\.conversation.id.rawValue)
            }
            #expect(try await found("parcel") == [existing.id.rawValue])
            #expect(try await found("invoice") == [fresh.rawValue])
            #expect(try await found("zephyr") == [fresh.rawValue])
            #expect(try await found("first note") == [])
            #expect(try await store.searchTriggers() == Self.searchTriggers)

            try await store.insertMessages(
                [makeMessage("f3", conversation: fresh, location: location, contact: freshContact, at: 4, body: "rescheduled")],
                logger: .test)
            #expect(try await found("rescheduled") == [fresh.rawValue])
            #expect(try await found("invoice") == [])
        }
    }

    static let searchTriggers = [
        "conversation_search_body", "conversation_search_contact", "conversation_search_delete", "conversation_search_insert",
    ]

    static let messageIndexes = [
        "CREATE UNIQUE INDEX messages_by_id ON messages(location_id, id)",
        "CREATE INDEX messages_export_created ON messages(location_id, date_added, id)",
        "CREATE INDEX messages_export_updated ON messages(location_id, date_updated, id)",
        "CREATE INDEX messages_page ON messages(conversation_id, date_added, id)",
    ]
}

extension SQLiteConversationStore {
    /// The names of the search index's triggers.
    fileprivate func searchTriggers() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'conversation_search%' ORDER BY name")
        }
    }

    /// The messages table's own indexes, as the SQL that creates them.
    fileprivate func messageIndexes() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name")
        }
    }
}

/// What a store held before an import: a location with a token, a contact, and a conversation without messages.
private struct StoredBefore: Equatable {
    var tenant: LocationID
    var locations: [Location]
    var tokens: [StoredToken]
    var contact: Contact?
    var conversation: Conversation?

    private static let contact = ContactID(rawValue: "storedBeforeContact")
    private static let conversation = ConversationID(rawValue: "storedBeforeConversation")

    /// Stores them.
    init(in store: some ConversationStore) async throws {
        let tenant = try await store.makeTenant()
        try await store.createContact(Contact(id: Self.contact, locationId: tenant.location, dateAdded: testEpoch), logger: .test)
        try await store.createConversation(
            Conversation(id: Self.conversation, locationId: tenant.location, contactId: Self.contact, dateAdded: testEpoch),
            logger: .test)
        try await self.init(in: store, tenant: tenant.location)
    }

    /// Reads them again.
    init(in store: some ConversationStore, as stored: StoredBefore) async throws {
        try await self.init(in: store, tenant: stored.tenant)
    }

    private init(in store: some ConversationStore, tenant: LocationID) async throws {
        self.tenant = tenant
        locations = try await store.locations(logger: .test)
        tokens = try await store.tokens(in: nil, logger: .test)
        contact = try await store.contact(Self.contact, in: tenant, logger: .test)
        conversation = try await store.conversation(Self.conversation, in: tenant, logger: .test)
    }
}

/// Batches an importer would write: one conversation with six messages over two batches (one older message arriving
/// last), a quiet one, and a batch refused whole because one of its ids is taken.
private struct ImportFixture: Sendable {
    static let busy = ConversationID(rawValue: "busyConversation")
    static let quiet = ConversationID(rawValue: "quietConversation")
    static let refused = ConversationID(rawValue: "refusedConversation")
    struct Stop: Error {}

    struct Contents: Sendable, Equatable {
        var conversations: [Conversation]
        var pages: [ConversationID: [Message]]
    }

    let batches: [[Message]]

    init(location: LocationID) {
        let contact = ContactID(rawValue: "busyContact")
        let quietContact = ContactID(rawValue: "quietContact")
        let refusedContact = ContactID(rawValue: "refusedContact")
        func message(
            _ id: String, _ conversation: ConversationID = Self.busy, contact: ContactID = contact,
            direction: MessageDirection = .inbound, at time: Int64, body: String = "hello"
        ) -> Message {
            makeMessage(id, conversation: conversation, location: location, contact: contact, direction: direction, at: time, body: body)
        }
        batches = [
            [message("b1", at: 1), message("b2", direction: .outbound, at: 2), message("q1", Self.quiet, contact: quietContact, at: 3)],
            [message("b4", at: 40), message("b5", direction: .outbound, at: 50, body: "newest"), message("b3", at: 30)],
            [message("r1", Self.refused, contact: refusedContact, at: 60), message("b1", at: 61)],
            [message("b0", direction: .outbound, at: 0, body: "oldest")],
        ]
    }

    /// Writes each batch as the importer does: the rows it needs, then its messages; a refused batch is skipped.
    static func write(_ batches: [[Message]], location: LocationID, through writer: any MessageImportWriter) async throws {
        for batch in batches {
            let contacts = Set(batch.map(\.contactId)).sorted { $0.rawValue < $1.rawValue }
            try await writer.createMissing(
                locations: [Location(id: location, name: "Imported", dateAdded: testEpoch)],
                contacts: contacts.map { Contact(id: $0, locationId: location, dateAdded: testEpoch) })
            do {
                try await writer.insertMessages(batch)
            } catch StoreError.duplicate {
                continue
            }
        }
    }

    /// Writes every batch within one import, then fails it.
    static func failAfterWriting(into store: some ConversationStore, location: LocationID) async throws {
        let batches = ImportFixture(location: location).batches
        try await store.withImport(logger: .test) { writer in
            try await write(batches, location: location, through: writer)
            throw Stop()
        }
    }

    static func contents(of store: any ConversationStore, location: LocationID) async throws -> Contents {
        var contents = Contents(conversations: [], pages: [:])
        for id in [busy, quiet, refused] {
            if let conversation = try await store.conversation(id, in: location, logger: .test) {
                contents.conversations.append(conversation)
            }
            contents.pages[id] = try await store.messagePage(
                MessagePageQuery(conversationId: id, locationId: location, limit: 100), logger: .test
            ).messages
        }
        return contents
    }
}
