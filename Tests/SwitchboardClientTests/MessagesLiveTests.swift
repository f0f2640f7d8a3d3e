import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardClient

@Suite("Messages against a live server")
struct MessagesLiveTests {
    @Test(arguments: Backend.allCases)
    func pagingAThousandFiftyMessagesYieldsAllInOrderInElevenRequests(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 1050)
            let conversation = try #require(expected.first?.conversationId)
            let client = server.client()

            var ids: [MessageID] = []
            for try await message in client.allMessages(in: conversation, pageSize: 100) {
                ids.append(message.id)
            }

            #expect(ids == expected.map(\.id))
            #expect(server.requests.count == 11)
            #expect(Set(server.requests.sent) == ["GET /conversations/\(conversation)/messages"])
        }
    }

    @Test(arguments: Backend.allCases)
    func pagesFollowLastMessageIdUntilNextPageIsFalse(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 250)
            let conversation = try #require(expected.first?.conversationId)
            var pages: [ConversationMessagesPage] = []
            for try await page in server.client().messagePages(in: conversation, pageSize: 100) {
                pages.append(page)
            }

            #expect(pages.map(\.messages.count) == [100, 100, 50])
            #expect(pages.map(\.nextPage) == [true, true, false])
            #expect(pages.map(\.lastMessageId) == [expected[99].id, expected[199].id, expected[249].id])
            #expect(pages.allSatisfy { $0.traceId?.count == 36 })
        }
    }

    @Test(arguments: Backend.allCases)
    func stoppingEarlyFetchesNoFurtherPages(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 500)
            let conversation = try #require(expected.first?.conversationId)
            var seen = 0
            for try await _ in server.client().allMessages(in: conversation, pageSize: 100) {
                seen += 1
                if seen == 150 { break }
            }

            #expect(seen == 150)
            #expect(server.requests.count == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func typeFilterSelectsOnlyThoseTypesInOrder(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 301)
            let conversation = try #require(expected.first?.conversationId)
            let calls = MessageTypeFilter(types: [.call])

            var received: [HighLevelMessage] = []
            for try await message in server.client().allMessages(in: conversation, types: calls, pageSize: 40) {
                received.append(message)
            }

            let expectedCalls = expected.filter { $0.messageType == .call }
            #expect(expectedCalls.count == 150)
            #expect(received.map(\.id) == expectedCalls.map(\.id))
            #expect(received.allSatisfy { $0.messageType == .known(.call) && $0.typeCode == 1 })
            #expect(server.requests.count == 4)  // 40 + 40 + 40 + 30
        }
    }

    @Test(arguments: Backend.allCases)
    func oneExplicitPageWithLimitAndCursor(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 30)
            let conversation = try #require(expected.first?.conversationId)
            let client = server.client()

            let first = try await client.messages(in: conversation, limit: 10, types: MessageTypeFilter(types: [.sms, .call]))
            let second = try await client.messages(in: conversation, after: first.lastMessageId, limit: 10)

            #expect(first.messages.map(\.id) == expected[0..<10].map(\.id))
            #expect(second.messages.map(\.id) == expected[10..<20].map(\.id))
            #expect(first.nextPage && second.nextPage)
        }
    }

    @Test(arguments: Backend.allCases)
    func singleMessageDecodesAndWritesTheBytesTheServerServes(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 3)
            let target = try #require(expected.first)

            let message = try await server.client().message(target.id)
            let served = try await server.raw.execute(
                uri: "/conversations/messages/\(target.id)", method: .get, headers: server.tenant.headers
            ) { response in Array(response.body.readableBytesView) }

            #expect(message.message == target)
            var written: [UInt8] = []
            message.writeJSON(to: &written)
            // The served body is {"message":<message>,"traceId":"…"}.
            let prefix = Array(#"{"message":"#.utf8)
            #expect(Array(served.prefix(prefix.count)) == prefix)
            #expect(Array(served.dropFirst(prefix.count).prefix(written.count)) == written)
            #expect(String(decoding: served.dropFirst(prefix.count + written.count).prefix(12), as: UTF8.self) == #","traceId":""#)
        }
    }

    @Test(arguments: Backend.allCases, APIVersion.allCases)
    func everyVersionHeaderIsSentAndAccepted(_ backend: Backend, _ version: APIVersion) async throws {
        try await withLiveServer(backend) { server in
            let expected = try await seedConversation(server, count: 3)
            let conversation = try #require(expected.first?.conversationId)
            var configuration = server.client().configuration
            configuration.apiVersion = version
            let page = try await ConversationsClient(configuration: configuration).messages(in: conversation)
            #expect(page.messages.count == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownMessageIsA404(_ backend: Backend) async throws {
        try await withLiveServer(backend) { server in
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await server.client().message(MessageID(rawValue: "NoSuchMessage0000000"))
            }
            #expect(error.status == 404)
            #expect(error.messages == ["Message not found"])
            #expect(error.traceId?.count == 36)
        }
    }
}
