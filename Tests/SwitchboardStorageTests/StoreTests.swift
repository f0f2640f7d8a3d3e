import Foundation
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// One suite for every backend: what the store promises, independent of HTTP.
@Suite struct StoreTests {
    @Test(arguments: Backend.allCases)
    func pageIsNewestFirstWithTiesByIdInByteOrder(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            // Equal timestamps: byte order puts "B" < "_" < "a" (uppercase before underscore before lowercase),
            // which a locale-aware collation would not.
            let ids = ["a", "B", "_", "Z9", "z0", "0"]
            let messages = ids.map { makeMessage($0, conversation: conversation, location: tenant.location, contact: contact, at: 5) }
                + [makeMessage("older", conversation: conversation, location: tenant.location, contact: contact, at: 1)]
            try await store.insertMessages(messages, logger: .test)
            let page = try await store.messagePage(
                MessagePageQuery(conversationId: conversation, locationId: tenant.location, limit: 100), logger: .test)
            #expect(page.messages.map(\.id.rawValue) == ["z0", "a", "_", "Z9", "B", "0", "older"])
            #expect(page.nextPage == false)
        }
    }

    /// Text ends at its first NUL, stored or looked up: SQLite is handed C strings, and PostgreSQL, which cannot
    /// store NUL, is handed the same text.
    @Test(arguments: Backend.allCases)
    func textEndsAtItsFirstNUL(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let contact = Contact(
                id: .generate(), locationId: tenant.location, firstName: "Ada\u{0}Lovelace", email: "ada@example.com",
                dateAdded: testEpoch)
            try await store.createContact(contact, logger: .test)
            let stored = try #require(try await store.contact(contact.id, in: tenant.location, logger: .test))
            #expect(stored.firstName == "Ada")
            let found = try await store.findContact(
                email: "ada@example.com\u{0}ignored", phone: nil, in: tenant.location, logger: .test)
            #expect(found?.id == contact.id)
        }
    }

    /// The importer's bulk path: missing rows are created, existing ones stay exactly as they were, repeats change nothing.
    @Test(arguments: Backend.allCases)
    func createMissingLeavesExistingRowsAlone(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant(name: "Original")
            let existing = Contact(
                id: .generate(), locationId: tenant.location, firstName: "Ada", email: "ada@example.com", dateAdded: testEpoch)
            try await store.createContact(existing, logger: .test)
            let newLocation = Location(id: .generate(), name: "Imported", dateAdded: Timestamp(rawValue: 42))
            let newContact = Contact(id: .generate(), locationId: newLocation.id, dateAdded: Timestamp(rawValue: 42))
            for _ in 0..<2 {
                try await store.createMissing(
                    locations: [Location(id: tenant.location, name: "Imported", dateAdded: Timestamp(rawValue: 42)), newLocation],
                    contacts: [Contact(id: existing.id, locationId: tenant.location, dateAdded: Timestamp(rawValue: 42)), newContact],
                    logger: .test)
            }
            #expect(try await store.location(tenant.location, logger: .test)?.name == "Original")
            #expect(try await store.location(newLocation.id, logger: .test) == newLocation)
            #expect(try await store.contact(existing.id, in: tenant.location, logger: .test) == existing)
            #expect(try await store.contact(newContact.id, in: newLocation.id, logger: .test) == newContact)
            #expect(try await store.locations(logger: .test).count == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func messagesRoundTripEveryField(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            var generator = SeededGenerator(seed: 3)
            let conversation = ConversationID.generate(using: &generator)
            let full = Message(
                id: .generate(using: &generator), conversationId: conversation, locationId: tenant.location,
                contactId: .generate(using: &generator), messageType: .email, direction: .outbound, status: "opened",
                body: "<p>Hi 👋 \"quoted\"</p>", contentType: "text/html", dateAdded: Timestamp(rawValue: 1_765_835_170_102),
                dateUpdated: Timestamp(rawValue: 1_765_835_171_004), source: "workflow", userId: "user-1", altId: "alt-1",
                attachments: ["https://example.com/a.pdf", "https://example.com/b.png"],
                call: CallDetails(duration: 12, status: "completed"), emailMessageIds: ["e1", "e2"],
                conversationProviderId: "61d6d1f9cdac7612faf80753", chatWidgetId: "67b0cc8cf14b19d85ace7s35")
            let minimal = Message(
                id: .generate(using: &generator), conversationId: conversation, locationId: tenant.location,
                contactId: full.contactId, messageType: .activityAppointment, direction: nil, contentType: nil,
                dateAdded: Timestamp(rawValue: 1_765_835_100_000))
            try await store.insertMessages([full, minimal], logger: .test)
            #expect(try await store.message(full.id, in: tenant.location, logger: .test) == full)
            #expect(try await store.message(minimal.id, in: tenant.location, logger: .test) == minimal)
            let other = try await store.makeTenant()
            #expect(try await store.message(full.id, in: other.location, logger: .test) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func cursorMustBelongToTheConversation(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let first = ConversationID.generate()
            let second = ConversationID.generate()
            let a = makeMessage(conversation: first, location: tenant.location, contact: .generate(), at: 1)
            let b = makeMessage(conversation: second, location: tenant.location, contact: .generate(), at: 2)
            try await store.insertMessages([a, b], logger: .test)
            await #expect(throws: SwitchboardError.invalidLastMessageId) {
                try await store.messagePage(
                    MessagePageQuery(conversationId: first, locationId: tenant.location, lastMessageId: b.id), logger: .test)
            }
            let page = try await store.messagePage(
                MessagePageQuery(conversationId: first, locationId: tenant.location, lastMessageId: a.id), logger: .test)
            #expect(page.messages.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func summaryFollowsTheNewestMessageAndCountsInbound(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            var newest = makeMessage("m3", conversation: conversation, location: tenant.location, contact: contact,
                                     type: .email, direction: .outbound, at: 30, body: "newest")
            newest.status = "sent"
            try await store.insertMessages(
                [makeMessage("m1", conversation: conversation, location: tenant.location, contact: contact, at: 10),
                 newest,
                 makeMessage("m2", conversation: conversation, location: tenant.location, contact: contact, at: 20)],
                logger: .test)
            // An older message arriving later changes the count but not the summary.
            try await store.insertMessages(
                [makeMessage("m0", conversation: conversation, location: tenant.location, contact: contact, at: 0, body: "old")],
                logger: .test)
            let stored = try #require(try await store.conversation(conversation, in: tenant.location, logger: .test))
            #expect(stored.contactId == contact)
            #expect(stored.unreadCount == 3)
            #expect(stored.lastMessageBody == "newest")
            #expect(stored.lastMessageType == .email)
            #expect(stored.lastMessageDirection == .outbound)
            #expect(stored.lastMessageDate == Timestamp(rawValue: testEpoch.rawValue + 30))
            #expect(try await store.locationOfConversation(conversation, logger: .test) == tenant.location)
            #expect(try await store.conversation(forContact: contact, in: tenant.location, logger: .test)?.id == conversation)
        }
    }

    @Test(arguments: Backend.allCases)
    func aContactHasOneConversationPerLocation(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let contact = ContactID.generate()
            let first = Conversation(id: .generate(), locationId: tenant.location, contactId: contact, dateAdded: testEpoch)
            try await store.createConversation(first, logger: .test)
            let second = Conversation(id: .generate(), locationId: tenant.location, contactId: contact, dateAdded: testEpoch)
            await #expect(throws: StoreError.duplicate) { try await store.createConversation(second, logger: .test) }
            // A batch that would give the contact a second conversation is rolled back whole.
            let batch = [
                makeMessage(conversation: first.id, location: tenant.location, contact: contact, at: 1),
                makeMessage(conversation: .generate(), location: tenant.location, contact: contact, at: 2),
            ]
            await #expect(throws: StoreError.duplicate) { try await store.insertMessages(batch, logger: .test) }
            let page = try await store.messagePage(
                MessagePageQuery(conversationId: first.id, locationId: tenant.location), logger: .test)
            #expect(page.messages.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func tokensAreFoundByHashUntilRevoked(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let hash = TokenHash(token: tenant.token)
            let token = try #require(try await store.activeToken(hash: hash, logger: .test))
            #expect(token.locationId == tenant.location)
            #expect(token.scopes == Set(Scope.allCases))
            #expect(tenant.token.hasPrefix("pit-") && tenant.token.count == 40)
            #expect(try await store.tokens(in: tenant.location, logger: .test).map(\.id) == [token.id])
            #expect(try await store.revokeToken(idOrHash: token.id, at: testEpoch, logger: .test))
            #expect(try await store.revokeToken(idOrHash: token.id, at: testEpoch, logger: .test) == false)
            #expect(try await store.activeToken(hash: hash, logger: .test) == nil)
            #expect(try await store.tokens(in: nil, logger: .test).first?.revokedAt == testEpoch)
        }
    }

    @Test(arguments: Backend.allCases)
    func contactsAreFoundByEmailCaseInsensitivelyThenPhone(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let contact = Contact(
                id: .generate(), locationId: tenant.location, firstName: "Ada", lastName: "Lovelace",
                email: "Ada@Example.com", phone: "+15550100", companyName: "Analytical", dateAdded: testEpoch)
            try await store.createContact(contact, logger: .test)
            #expect(try await store.contact(contact.id, in: tenant.location, logger: .test) == contact)
            #expect(try await store.findContact(email: "ada@example.COM", phone: nil, in: tenant.location, logger: .test) == contact)
            #expect(try await store.findContact(email: "x@y.z", phone: "+15550100", in: tenant.location, logger: .test) == contact)
            #expect(try await store.findContact(email: "x@y.z", phone: nil, in: tenant.location, logger: .test) == nil)
            var changed = contact
            changed.name = "Ada King"
            changed.dateUpdated = Timestamp(rawValue: testEpoch.rawValue + 1)
            try await store.updateContact(changed, logger: .test)
            #expect(try await store.contact(contact.id, in: tenant.location, logger: .test) == changed)
            await #expect(throws: StoreError.duplicate) { try await store.createContact(contact, logger: .test) }
        }
    }

    @Test(arguments: Backend.allCases)
    func searchFiltersSortsAndCounts(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            var conversations: [ConversationID] = []
            for (index, name) in ["Ada Lovelace", "Grace Hopper", "Alan Turing"].enumerated() {
                let contact = Contact(
                    id: .generate(), locationId: tenant.location, name: name, email: "\(index)@example.com",
                    dateAdded: testEpoch)
                try await store.createContact(contact, logger: .test)
                let conversation = ConversationID.generate()
                conversations.append(conversation)
                try await store.insertMessages(
                    [makeMessage(conversation: conversation, location: tenant.location, contact: contact.id,
                                 type: index == 1 ? .email : .sms, direction: index == 2 ? .outbound : .inbound,
                                 at: Int64(index) * 1000, body: "body \(index)")],
                    logger: .test)
            }
            _ = try await store.updateConversation(
                conversations[0], in: tenant.location, changes: ConversationChanges(unreadCount: 0, starred: true),
                at: testEpoch, logger: .test)
            func search(_ query: ConversationSearchQuery) async throws -> [ConversationID] {
                try await store.searchConversations(query, logger: .test).conversations.map(\.conversation.id)
            }
            let all = try await store.searchConversations(ConversationSearchQuery(locationId: tenant.location), logger: .test)
            #expect(all.total == 3)
            #expect(all.conversations.map(\.conversation.id) == conversations.reversed())
            #expect(all.conversations.last?.contact?.name == "Ada Lovelace")
            #expect(try await search(.init(locationId: tenant.location, sort: .asc)) == conversations)
            #expect(try await search(.init(locationId: tenant.location, text: "GRACE")) == [conversations[1]])
            #expect(try await search(.init(locationId: tenant.location, text: "body 2")) == [conversations[2]])
            #expect(try await search(.init(locationId: tenant.location, text: "2@example")) == [conversations[2]])
            #expect(try await search(.init(locationId: tenant.location, status: .starred)) == [conversations[0]])
            #expect(try await search(.init(locationId: tenant.location, status: .unread)) == [conversations[1]])
            #expect(try await search(.init(locationId: tenant.location, status: .read)) == [conversations[2], conversations[0]])
            #expect(try await search(.init(locationId: tenant.location, lastMessageType: .email)) == [conversations[1]])
            #expect(try await search(.init(locationId: tenant.location, lastMessageDirection: .outbound)) == [conversations[2]])
            let firstPage = try await store.searchConversations(.init(locationId: tenant.location, limit: 2), logger: .test)
            #expect(firstPage.total == 3)
            let after = try #require(firstPage.conversations.last?.conversation.lastMessageDate)
            #expect(try await search(.init(locationId: tenant.location, startAfterDate: after, limit: 2)) == [conversations[0]])
            let other = try await store.makeTenant()
            #expect(try await store.searchConversations(.init(locationId: other.location), logger: .test).total == 0)
        }
    }

    /// A search text with the other filters and the cursor: a conversation matching by its contact and by its last
    /// message counts once; the total counts every match whatever the cursor, even when the page is empty.
    @Test(arguments: Backend.allCases)
    func aSearchTextCombinesWithFiltersAndTheCursor(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            var conversations: [ConversationID] = []
            for index in 0..<4 {
                let contact = Contact(
                    id: .generate(), locationId: tenant.location, firstName: "Kestrel", lastName: "No\(index)",
                    dateAdded: testEpoch)
                try await store.createContact(contact, logger: .test)
                let conversation = ConversationID.generate()
                conversations.append(conversation)
                try await store.insertMessages(
                    [makeMessage(conversation: conversation, location: tenant.location, contact: contact.id,
                                 type: index == 3 ? .email : .sms, at: Int64(index) * 1000,
                                 body: index == 0 ? "kestrel sighted" : "hello")],
                    logger: .test)
            }
            _ = try await store.updateConversation(
                conversations[1], in: tenant.location, changes: ConversationChanges(starred: true), at: testEpoch,
                logger: .test)
            func search(_ query: ConversationSearchQuery) async throws -> ([ConversationID], Int) {
                let result = try await store.searchConversations(query, logger: .test)
                return (result.conversations.map(\.conversation.id), result.total)
            }
            let location = tenant.location
            #expect(try await search(.init(locationId: location, text: "kestrel", limit: 2)) == (Array(conversations.reversed().prefix(2)), 4))
            #expect(try await search(.init(locationId: location, text: "KESTREL", sort: .asc, limit: 3)) == (Array(conversations.prefix(3)), 4))
            #expect(try await search(.init(locationId: location, text: "kestrel", startAfterDate: Timestamp(rawValue: testEpoch.rawValue + 2000))) == ([conversations[1], conversations[0]], 4))
            #expect(try await search(.init(locationId: location, text: "kestrel", startAfterDate: testEpoch)) == ([], 4))
            #expect(try await search(.init(locationId: location, text: "kestrel", status: .starred)) == ([conversations[1]], 1))
            #expect(try await search(.init(locationId: location, text: "kestrel", lastMessageType: .email)) == ([conversations[3]], 1))
            #expect(try await search(.init(locationId: location, text: "sighted")) == ([conversations[0]], 1))
            #expect(try await search(.init(locationId: location, text: "no2", limit: 0)) == ([], 1))
            #expect(try await search(.init(locationId: location, text: "osprey")) == ([], 0))
        }
    }

    @Test(arguments: Backend.allCases)
    func exportWalksALocationWithACursor(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            let types: [MessageType] = [.sms, .email, .call]
            let messages = (0..<25).map { index in
                makeMessage(conversation: conversation, location: tenant.location, contact: contact,
                            type: types[index % 3], at: Int64(index / 2))  // pairs share a timestamp
            }
            try await store.insertMessages(messages, logger: .test)
            let nonEmail = MessageType.allCases.filter { !$0.isEmail }
            let expected = messages.filter { !$0.messageType.isEmail }
                .sorted { ($0.dateAdded, $0.id) < ($1.dateAdded, $1.id) }.map(\.id)
            var seen: [MessageID] = []
            var cursor: ExportCursor?
            var pages = 0
            repeat {
                let page = try await store.exportMessages(
                    MessageExportQuery(locationId: tenant.location, limit: 4, cursor: cursor, sortOrder: .asc, types: nonEmail),
                    logger: .test)
                #expect(page.total == expected.count)
                seen += page.messages.map(\.id)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 20
            #expect(seen == expected)
            #expect(pages == 5)
            let emails = try await store.exportMessages(
                MessageExportQuery(locationId: tenant.location, types: [.email]), logger: .test)
            #expect(emails.total == 8)
            #expect(emails.nextCursor == nil)
            #expect(emails.messages.map(\.id) == messages.filter { $0.messageType == .email }
                .sorted { ($0.dateAdded, $0.id) > ($1.dateAdded, $1.id) }.map(\.id))
        }
    }

    @Test(arguments: Backend.allCases)
    func deletingAConversationRemovesItsMessages(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let conversation = ConversationID.generate()
            let message = makeMessage(conversation: conversation, location: tenant.location, contact: .generate(), at: 1)
            try await store.insertMessages([message], logger: .test)
            let other = try await store.makeTenant()
            #expect(try await store.deleteConversation(conversation, in: other.location, logger: .test) == false)
            #expect(try await store.deleteConversation(conversation, in: tenant.location, logger: .test))
            #expect(try await store.conversation(conversation, in: tenant.location, logger: .test) == nil)
            #expect(try await store.message(message.id, in: tenant.location, logger: .test) == nil)
            #expect(try await store.deleteConversation(conversation, in: tenant.location, logger: .test) == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func statusUpdatesTouchDateUpdated(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let message = makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 1)
            try await store.insertMessages([message], logger: .test)
            let later = Timestamp(rawValue: testEpoch.rawValue + 99)
            let updated = try #require(
                try await store.updateMessageStatus(message.id, in: tenant.location, status: "read", at: later, logger: .test))
            #expect(updated.status == "read")
            #expect(updated.dateUpdated == later)
            #expect(updated.dateAdded == message.dateAdded)
            #expect(try await store.updateMessageStatus(.generate(), in: tenant.location, status: "read", at: later, logger: .test) == nil)
        }
    }

    @Test func bothBackendsShipTheSameMigrations() {
        #expect(SQLiteConversationStore.migrationNames.first == "001_locations_tokens_conversations_messages")
        #expect(SQLiteConversationStore.migrationNames == PostgresConversationStore.migrationNames)
    }
}
