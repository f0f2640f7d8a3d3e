import Foundation
import SwitchboardCore
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Seed files (`serve --seed-file`): what is refused, with its line, and what a store holds once one is loaded.
@Suite struct SeedTests {
    static let now = Timestamp(iso8601: "2026-06-01T00:00:00.000Z")!

    /// Two locations, one with a read-only token; a listed conversation with an unread count of its own; a
    /// conversation only its messages make.
    static let fixture = """
        {
          "locations": [
            {"id": "loc_a", "name": "Clinic A", "tokens": [{"token": "pit-seed-a"}, {"token": "pit-seed-a-read", "scopes": ["conversations/message.readonly"]}]},
            {"id": "loc_b", "tokens": [{"token": "pit-seed-b"}]}
          ],
          "contacts": [
            {"id": "ct_ann", "locationId": "loc_a", "firstName": "Ann", "lastName": "Lee", "phone": "+15550100", "dateAdded": "2026-01-01T09:00:00.000Z"},
            {"id": "ct_bob", "locationId": "loc_a", "name": "Bob", "email": "bob@example.com"},
            {"id": "ct_cy", "locationId": "loc_b", "firstName": "Cy"}
          ],
          "conversations": [
            {"id": "cv_ann", "locationId": "loc_a", "contactId": "ct_ann", "unreadCount": 7, "starred": true}
          ],
          "messages": [
            {"id": "m_1", "conversationId": "cv_ann", "locationId": "loc_a", "contactId": "ct_ann", "messageType": "TYPE_SMS", "direction": "inbound", "body": "Hi", "dateAdded": "2026-01-01T10:00:00.000Z"},
            {"id": "m_2", "conversationId": "cv_ann", "locationId": "loc_a", "contactId": "ct_ann", "messageType": "TYPE_SMS", "direction": "outbound", "status": "delivered", "body": "Hello Ann", "dateAdded": "2026-01-01T10:01:00.000Z"},
            {"id": "m_3", "conversationId": "cv_bob", "locationId": "loc_a", "contactId": "ct_bob", "type": 3, "direction": "inbound", "body": "An email", "dateAdded": 1767265200000}
          ]
        }
        """

    static func parse(_ text: String) throws(SeedError) -> Seed {
        try Seed.parse(Array(text.utf8), now: now)
    }

    @Test func readsEveryPartOfTheFixture() throws {
        let seed = try Self.parse(Self.fixture)
        #expect(seed.summary == "2 locations, 3 tokens, 3 contacts, 1 conversation, 3 messages")
        #expect(seed.locations.map(\.name) == ["Clinic A", "loc_b"])
        #expect(seed.locations[0].tokens[0].scopes == Set(Scope.allCases))
        #expect(seed.locations[0].tokens[1].scopes == [.messagesReadonly])
        #expect(seed.contacts[1].dateAdded == Self.now)
        #expect(seed.contacts[1].fullName == "Bob")
        #expect(seed.conversations[0].unreadCount == 7)
        // Undated: as old as its first message, as new as its last.
        #expect(seed.conversations[0].conversation.dateAdded == Timestamp(iso8601: "2026-01-01T10:00:00.000Z"))
        #expect(seed.conversations[0].conversation.dateUpdated == Timestamp(iso8601: "2026-01-01T10:01:00.000Z"))
        #expect(seed.messages.map(\.messageType) == [.sms, .sms, .email])
        #expect(seed.messages[2].dateAdded == Timestamp(rawValue: 1_767_265_200_000))
    }

    /// Each refusal names the line of the object at fault and what is wrong, exactly.
    @Test(arguments: [
        (#"{"locations": [], "extras": []}"#, #"line 1: unknown field "extras": a seed file holds locations, contacts, conversations and messages"#),
        ("{\n\"locations\": [\n{\"id\": \"a\"},\n{\"id\": \"a\"}\n]}", "line 4: locations[1]: id a is already used by locations[0] (line 3)"),
        ("{\"locations\": [{\"id\": \"a\", \"colour\": 1}]}", #"line 1: locations[0]: unknown field "colour""#),
        ("{\"locations\": [{\"id\": \"a b\"}]}", "line 1: locations[0]: id must be 1 to 64 of A-Z, a-z, 0-9, _ and -"),
        ("{\"locations\": [{\"id\": \"a\", \"tokens\": [{\"token\": \"secret-123\"}]}]}",
         "line 1: locations[0].tokens[0]: token must start with pit- and be 8 to 200 printable characters without spaces"),
        ("{\"locations\": [{\"id\": \"a\", \"tokens\": [{\"token\": \"pit-1234\"}]},\n{\"id\": \"b\", \"tokens\": [{\"token\": \"pit-1234\"}]}]}",
         "line 2: locations[1].tokens[0]: this token is already given by locations[0].tokens[0] (line 1)"),
        ("{\"locations\": [{\"id\": \"a\", \"tokens\": [{\"token\": \"pit-1234\", \"scopes\": [\"everything\"]}]}]}",
         #"line 1: locations[0].tokens[0]: unknown scope "everything" (known: conversations.readonly, conversations.write, conversations/message.readonly, conversations/message.write, contacts.readonly, contacts.write, conversations/livechat.write)"#),
        ("{\"contacts\": [{\"id\": \"c\", \"locationId\": \"nowhere\"}]}",
         "line 1: contacts[0]: locationId nowhere is not one of the file's locations"),
        ("{\"locations\": [{\"id\": \"a\"}], \"conversations\": [{\"id\": \"v\", \"locationId\": \"a\", \"contactId\": \"ghost\"}]}",
         "line 1: conversations[0]: contactId ghost is not one of the file's contacts"),
        ("{\"locations\": [{\"id\": \"a\"}, {\"id\": \"b\"}], \"contacts\": [{\"id\": \"c\", \"locationId\": \"a\"}],\n\"conversations\": [{\"id\": \"v\", \"locationId\": \"b\", \"contactId\": \"c\"}]}",
         "line 2: conversations[0]: contact c belongs to location a, not b"),
        ("{\"locations\": [{\"id\": \"a\"}], \"contacts\": [{\"id\": \"c\", \"locationId\": \"a\"}],\n\"conversations\": [{\"id\": \"v\", \"locationId\": \"a\", \"contactId\": \"c\"},\n{\"id\": \"w\", \"locationId\": \"a\", \"contactId\": \"c\"}]}",
         "line 3: conversations[1]: contact c already has conversation v (conversations[0] (line 2)): one per contact"),
        ("{\"locations\": [{\"id\": \"a\"}], \"contacts\": [{\"id\": \"c\", \"locationId\": \"a\"}],\n\"messages\": [\n{\"id\": \"m\", \"conversationId\": \"v\", \"locationId\": \"a\", \"contactId\": \"c\", \"messageType\": \"TYPE_SMS\", \"dateAdded\": 1, \"colour\": 2}]}",
         #"line 3: messages[0]: unknown field "colour""#),
        ("{\"locations\": [{\"id\": \"a\"}], \"contacts\": [{\"id\": \"c\", \"locationId\": \"a\"}],\n\"messages\": [\n{\"id\": \"m\", \"conversationId\": \"v\", \"locationId\": \"a\", \"contactId\": \"c\", \"messageType\": \"TYPE_SMS\"}]}",
         "line 3: messages[0]: dateAdded is missing"),
        ("{\"locations\": [{\"id\": \"a\"}], \"contacts\": [{\"id\": \"c\", \"locationId\": \"a\"}],\n\"messages\": [\n{\"id\": \"m\", \"conversationId\": \"v\", \"locationId\": \"a\", \"contactId\": \"c\", \"messageType\": \"TYPE_SMS\", \"dateAdded\": 1},\n{\"id\": \"m\", \"conversationId\": \"v\", \"locationId\": \"a\", \"contactId\": \"c\", \"messageType\": \"TYPE_SMS\", \"dateAdded\": 2}]}",
         "line 4: messages[1]: id m is already used by messages[0] (line 3)"),
        ("{\n  \"locations\": [\n    {\"id\": 'a'}\n  ]\n}", "line 3: locations[0]: not valid JSON"),
        ("{\n  \"locations\": [\n    {\"id\": \"a\"}\n  \n}", "line 5: the object is not closed"),
        ("{\n  \"locations\": [\n    {\"id\": \"a\"} {\"id\": \"b\"}\n  ]\n}", "line 3: locations: expected ',' or ']' between array elements"),
        ("[]", "line 1: expected a JSON object"),
        ("{\"locations\": []} trailing", "line 1: unexpected text after the document"),
    ])
    func refusesWithTheLine(_ text: String, _ expected: String) {
        #expect(throws: SeedError.self) { try Self.parse(text) }
        do {
            _ = try Self.parse(text)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test(arguments: Backend.allCases)
    func loadsIntoAStoreAndAgainAfterAReset(_ backend: Backend) async throws {
        let seed = try Self.parse(Self.fixture)
        try await withStore(backend) { store in
            let loaded = try await SeedLoader.load(seed, into: store, at: Self.now, existing: .keep, logger: .test)
            #expect(loaded == [LocationID(rawValue: "loc_a"), LocationID(rawValue: "loc_b")])
            try await Self.expectSeeded(store)

            // A write of the test, then a reset and the seed again: the seeded state, and only it.
            try await store.insertMessages(
                [makeMessage("m_new", conversation: "cv_ann", location: "loc_a", contact: "ct_ann", at: 9_000_000_000_000)],
                logger: .test)
            try await store.reset(.data, logger: .test)
            try await SeedLoader.load(seed, into: store, at: Self.now, existing: .fill, logger: .test)
            try await Self.expectSeeded(store)
            try await store.reset(.everything, logger: .test)
            try await SeedLoader.load(seed, into: store, at: Self.now, existing: .fill, logger: .test)
            try await Self.expectSeeded(store)
        }
    }

    /// A server started again on its own file: locations it has keep what they have.
    @Test(arguments: Backend.allCases)
    func keepsLocationsTheStoreHas(_ backend: Backend) async throws {
        let seed = try Self.parse(Self.fixture)
        try await withStore(backend) { store in
            try await store.createLocation(Location(id: "loc_a", name: "Mine", dateAdded: Self.now), logger: .test)
            let loaded = try await SeedLoader.load(seed, into: store, at: Self.now, existing: .keep, logger: .test)
            #expect(loaded == [LocationID(rawValue: "loc_b")])
            #expect(try await store.location("loc_a", logger: .test)?.name == "Mine")
            #expect(try await store.allContacts(in: "loc_a", logger: .test).isEmpty)
            #expect(try await store.allContacts(in: "loc_b", logger: .test).map(\.id) == ["ct_cy"])
            #expect(try await store.activeToken(hash: TokenHash(token: "pit-seed-a"), logger: .test) == nil)
            #expect(try await store.activeToken(hash: TokenHash(token: "pit-seed-b"), logger: .test) != nil)
        }
    }

    /// `export-seed` writes what `--seed-file` reads back to the same store contents.
    @Test(arguments: Backend.allCases)
    func exportedSeedLoadsBackTheSame(_ backend: Backend) async throws {
        let seed = try Self.parse(Self.fixture)
        try await withStore(backend) { store in
            try await SeedLoader.load(seed, into: store, at: Self.now, existing: .keep, logger: .test)
            var bytes: [UInt8] = []
            let written = try await SeedExporter.export(from: store, only: nil, logger: .test) { bytes += $0 }
            #expect(written == 3)
            let exported = try Seed.parse(bytes, now: Self.now)
            #expect(exported.locations.map(\.id) == seed.locations.map(\.id))
            #expect(exported.locations.allSatisfy { $0.tokens.isEmpty })
            #expect(Set(exported.contacts.map(\.id)) == Set(seed.contacts.map(\.id)))
            #expect(exported.messages.sorted { $0.id < $1.id } == seed.messages.sorted { $0.id < $1.id })
            let conversations = Dictionary(uniqueKeysWithValues: exported.conversations.map { ($0.conversation.id, $0) })
            #expect(conversations["cv_ann"]?.unreadCount == 7)
            #expect(conversations["cv_ann"]?.conversation.starred == true)
            #expect(conversations["cv_bob"]?.unreadCount == 1)
            await #expect(throws: SeedExporter.UnknownLocation.self) {
                try await SeedExporter.export(from: store, only: "nowhere", logger: .test) { _ in }
            }
        }
    }

    private static func expectSeeded(_ store: any ConversationStore) async throws {
        let page = try await store.messagePage(
            MessagePageQuery(conversationId: "cv_ann", locationId: "loc_a", limit: 100), logger: .test)
        #expect(page.messages.map(\.id) == ["m_2", "m_1"])
        let ann = try #require(try await store.conversation("cv_ann", in: "loc_a", logger: .test))
        #expect(ann.unreadCount == 7)  // the file's count, not the one inbound message
        #expect(ann.starred)
        #expect(ann.lastMessageBody == "Hello Ann")
        let bob = try #require(try await store.conversation("cv_bob", in: "loc_a", logger: .test))
        #expect(bob.unreadCount == 1)  // not listed: counted from its inbound message
        #expect(bob.contactId == "ct_bob")
        let readOnly = try #require(
            try await store.activeToken(hash: TokenHash(token: "pit-seed-a-read"), logger: .test))
        #expect(readOnly.scopes == [.messagesReadonly])
        #expect(readOnly.locationId == "loc_a")
        #expect(try await store.activeToken(hash: TokenHash(token: "pit-seed-b"), logger: .test)?.locationId == "loc_b")
        #expect(try await store.allContacts(in: "loc_a", logger: .test).map(\.id) == ["ct_ann", "ct_bob"])
    }
}

// The fixture's ids, written as it writes them.
extension LocationID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
extension ContactID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
extension ConversationID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
extension MessageID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
