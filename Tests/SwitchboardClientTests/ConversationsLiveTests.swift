import SwitchboardCore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardClient

@Suite("Conversations and contacts against a live server")
struct ConversationsLiveTests {
    @Test(arguments: Backend.allCases)
    func contactsCreateGetAndUpsert(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let client = server.client()
            let location = server.tenant.location
            let created = try await client.createContact(
                ContactFields(locationId: location, firstName: "Ada", lastName: "Lovelace", email: "ada@example.com",
                              phone: "+15550001111", companyName: "Engines"))
            #expect(created.name == "Ada Lovelace")
            #expect(created.email == "ada@example.com")
            #expect(created.locationId == location)

            let fetched = try await client.contact(created.id)
            #expect(fetched.id == created.id)
            #expect(fetched.companyName == "Engines")
            #expect(fetched.dateAdded == created.dateAdded)
            #expect(created.dateAdded.map { $0 >= testEpoch } == true)

            let matched = try await client.upsertContact(
                ContactFields(locationId: location, email: "ada@example.com", companyName: "Analytical"))
            #expect(!matched.isNew)
            #expect(matched.contact.id == created.id)
            #expect(matched.contact.companyName == "Analytical")

            let fresh = try await client.upsertContact(ContactFields(locationId: location, name: "Grace", phone: "+15550002222"))
            #expect(fresh.isNew)
            #expect(fresh.contact.id != created.id)
            #expect(server.requests.sent == [
                "POST /contacts/", "GET /contacts/\(created.id)", "POST /contacts/upsert", "POST /contacts/upsert",
            ])
        }
    }

    @Test(arguments: Backend.allCases)
    func conversationLifecycle(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let client = server.client()
            let location = server.tenant.location
            let contact = try await client.createContact(ContactFields(locationId: location, name: "Bo", email: "bo@example.com"))

            let created = try await client.createConversation(locationId: location, contactId: contact.id)
            #expect(created.contactId == contact.id)
            #expect(created.deleted == false)
            #expect(created.dateAdded.map { $0 >= testEpoch } == true)

            let duplicate = try await #require(throws: HighLevelAPIError.self) {
                try await client.createConversation(locationId: location, contactId: contact.id)
            }
            #expect(duplicate.status == 400)
            #expect(duplicate.messages == ["Conversation with the contact id:\(contact.id) already exists!"])
            #expect(duplicate.attempts == 1)

            let fetched = try await client.conversation(created.id)
            #expect(fetched.id == created.id)
            #expect(fetched.typeCode == 1)
            #expect(fetched.dateAdded == created.dateAdded)  // ISO text on create, epoch ms on get
            #expect(fetched.inbox == true)

            let updated = try await client.updateConversation(
                created.id, ConversationUpdate(locationId: location, unreadCount: 3, starred: true))
            #expect(updated.unreadCount == 3)
            #expect(updated.starred == true)

            let found = try await client.searchConversations(ConversationSearch(locationId: location, query: "bo@example"))
            #expect(found.conversations.map(\.id) == [created.id])
            #expect(found.total == 1)
            #expect(found.conversations.first?.email == "bo@example.com")
            #expect(found.conversations.first?.typeName == "TYPE_PHONE")

            try await client.deleteConversation(created.id)
            let gone = try await #require(throws: HighLevelAPIError.self) { try await client.conversation(created.id) }
            #expect(gone.status == 400)
            #expect(gone.messages == ["Conversation with id \(created.id) not found"])
        }
    }

    @Test(arguments: Backend.allCases)
    func searchPagesWithStartAfterDate(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            var expected: [ConversationID] = []
            for index in 0..<25 {
                let conversation = ConversationID.generate()
                let message = makeMessage(
                    conversation: conversation, location: server.tenant.location, contact: .generate(),
                    at: Int64(index) * 60_000)
                try await server.store.insertMessages([message], logger: .test)
                expected.append(conversation)
            }
            let search = ConversationSearch(locationId: server.tenant.location, limit: 10)

            var seen: [ConversationRecord] = []
            for try await conversation in server.client().allConversations(matching: search) {
                seen.append(conversation)
            }

            #expect(seen.map(\.id) == expected.reversed())  // newest last message first
            #expect(server.requests.count == 3)
            #expect(seen.first?.lastMessageDate == Timestamp(rawValue: testEpoch.rawValue + 24 * 60_000))
        }
    }

    @Test(arguments: Backend.allCases)
    func searchWithoutLocationIsHighLevels422(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client().searchConversations(ConversationSearch())
            }
            #expect(error.status == 422)
            #expect(error.messages == ["locationId should not be empty"])
        }
    }
}

@Suite("Health probes against a live server")
struct HealthLiveTests {
    @Test(arguments: Backend.allCases)
    func liveAndReady(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let client = server.client(retryPolicy: .default)
            let live = try await client.isLive()
            let ready = try await client.isReady()
            #expect(live && ready)
            #expect(server.requests.sent == ["GET /healthz", "GET /readyz"])
        }
    }
}
