import SwitchboardCore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardClient

@Suite("Message writes and export against a live server")
struct MessageWritesLiveTests {
    /// A contact with a conversation, made through the client.
    static func contactWithConversation(_ server: LiveServer) async throws -> (ContactRecord, ConversationRecord) {
        let client = server.client()
        let contact = try await client.createContact(
            ContactFields(locationId: server.tenant.location, name: "Cy", email: "cy@example.com", phone: "+15550003333"))
        let conversation = try await client.createConversation(locationId: server.tenant.location, contactId: contact.id)
        return (contact, conversation)
    }

    @Test(arguments: Backend.allCases)
    func sendSMSAndEmail(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let (contact, conversation) = try await Self.contactWithConversation(server)
            let client = server.client()

            let sms = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: "Hi Cy"))
            #expect(sms.conversationId == conversation.id)
            #expect(sms.emailMessageId == nil)
            #expect(sms.traceId?.count == 36)

            let email = try await client.sendMessage(
                SendMessageRequest(type: .email, contactId: contact.id, subject: "Hello", html: "<p>Hello</p>"))
            #expect(email.emailMessageId != nil)
            #expect(email.msg == "Email queued successfully.")

            let page = try await client.messages(in: conversation.id)
            #expect(page.messages.map(\.id) == [email.messageId, sms.messageId].compactMap { $0 })
            #expect(page.messages.last?.body == "Hi Cy")
            #expect(page.messages.last?.direction == .known(.outbound))
            #expect(page.messages.first?.messageType == .known(.email))
            #expect(page.messages.first?.contentType == "text/html")
        }
    }

    @Test(arguments: Backend.allCases)
    func sendingWithoutContentIsA422ListingTheProblem(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let (contact, _) = try await Self.contactWithConversation(server)
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client().sendMessage(SendMessageRequest(type: .sms, contactId: contact.id))
            }
            #expect(error.status == 422)
            #expect(error.messages == ["message should not be empty"])
        }
    }

    @Test(arguments: Backend.allCases)
    func inboundMessageAndOutboundCallAreRecorded(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let (contact, conversation) = try await Self.contactWithConversation(server)
            let client = server.client()
            let when = Timestamp(rawValue: testEpoch.rawValue - 3_600_000)

            let inbound = try await client.addInboundMessage(
                InboundMessageRequest(
                    type: .sms, conversationId: conversation.id, contactId: contact.id, message: "Are you open?",
                    altId: "SM123", date: when))
            #expect(inbound.success == true)
            #expect(inbound.conversationId == conversation.id)
            #expect(inbound.dateAdded == when)

            let call = try await client.addOutboundCall(
                OutboundCallRequest(
                    conversationId: conversation.id, altId: "CA456",
                    call: CallData(to: "+15550003333", from: "+15550009999", status: "completed", duration: 42)))
            #expect(call.success == true)
            let callId = try #require(call.messageId)

            let stored = try await client.message(callId)
            #expect(stored.messageType == .known(.call))
            #expect(stored.call == CallDetails(duration: 42, status: "completed"))
            #expect(stored.altId == "CA456")

            let messageId = try #require(inbound.messageId)
            let received = try await client.message(messageId)
            #expect(received.direction == .known(.inbound))
            #expect(received.dateAdded == when)
            #expect(received.body == "Are you open?")
        }
    }

    @Test(arguments: Backend.allCases)
    func statusUpdateAndScheduledCancel(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let (contact, _) = try await Self.contactWithConversation(server)
            let client = server.client()
            let sent = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: "ping"))
            let id = try #require(sent.messageId)

            let updated = try await client.updateMessageStatus(id, MessageStatusUpdate(status: "read"))
            #expect(updated.status == "read")
            #expect(updated.messageId == id)
            #expect(try await client.message(id).status == "read")

            let scheduled = try await client.sendMessage(
                SendMessageRequest(
                    type: .sms, contactId: contact.id, message: "later", scheduledTimestamp: testEpoch.rawValue / 1000 + 3600))
            let scheduledId = try #require(scheduled.messageId)
            #expect(try await client.message(scheduledId).status == "scheduled")

            let cancelled = try await client.cancelScheduledMessage(scheduledId)
            #expect(cancelled.status == 200)
            let again = try await client.cancelScheduledMessage(scheduledId)
            #expect(again.status == 404)
            #expect(again.message == "Failed cancel the scheduled message")

            let missing = try await #require(throws: HighLevelAPIError.self) {
                try await client.updateMessageStatus(MessageID(rawValue: "NoSuchMessage0000000"), MessageStatusUpdate(status: "read"))
            }
            #expect(missing.status == 404)
        }
    }

    @Test(arguments: Backend.allCases)
    func exportWalksEveryPageWithTheCursor(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 25)
            let conversation = try #require(expected.first?.conversationId)
            let filter = MessageExportFilter(locationId: server.tenant.location, conversationId: conversation, limit: 10)

            var pages: [ExportedMessagesPage] = []
            for try await page in server.client().exportPages(filter) { pages.append(page) }

            #expect(pages.map(\.messages.count) == [10, 10, 5])
            #expect(pages.map(\.total) == [25, 25, 25])
            #expect(pages.last?.nextCursor == nil)
            #expect(pages.flatMap(\.messages).map(\.id) == expected.map(\.id))  // createdAt, newest first
            #expect(server.requests.count == 3)

            var all = 0
            for try await _ in server.client().allExportedMessages(filter) { all += 1 }
            #expect(all == 25)
        }
    }
}
