import Logging
import PostgresNIO
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

@Suite struct PostgresStoreSmokeTests {
    let logger = Logger.test
    let epoch = Timestamp(rawValue: 1_767_225_600_000)

    @Test func migrationNamesMatchSQLite() {
        #expect(PostgresConversationStore.migrationNames == SQLiteConversationStore.migrationNames)
    }

    /// Without this the tie-break test below would prove nothing: the cluster must not sort byte-wise by default.
    @Test func testClusterDefaultCollationIsNotByteOrder() async throws {
        try await withPostgresStore { store in
            let rows = try await store.client.query("SELECT 'a' < 'B', '_' < 'B'", logger: logger).collect()
            let row = try #require(rows.first)
            let (aBeforeB, underscoreBeforeB) = try row.decode((Bool, Bool).self)
            #expect(aBeforeB || underscoreBeforeB, "scripts/postgres.sh should create an en_US or ICU cluster")
        }
    }

    @Test func storeRoundTripAndPagingWithByteOrderTies() async throws {
        try await withPostgresStore { store in
            let location = Location(id: LocationID(rawValue: "loc1"), name: "Main", dateAdded: epoch)
            try await store.createLocation(location, logger: logger)
            #expect(try await store.location(location.id, logger: logger) == location)
            await #expect(throws: StoreError.duplicate) { try await store.createLocation(location, logger: logger) }

            let (secret, token) = PrivateIntegrationToken.issue(
                location: location.id, scopes: Set(Scope.allCases), name: "ci", at: epoch)
            try await store.createToken(token, logger: logger)
            #expect(try await store.activeToken(hash: TokenHash(token: secret), logger: logger) == token)

            let contact = ContactID(rawValue: "contact1")
            let conversationID = ConversationID(rawValue: "conv1")
            try await store.createConversation(
                Conversation(id: conversationID, locationId: location.id, contactId: contact, dateAdded: epoch),
                logger: logger)

            // Three messages share one timestamp: byte order of the ids is "B" < "_" < "a".
            let ids = ["a", "B", "_", "m1", "m2", "m3"]
            let offsets: [Int64] = [5_000, 5_000, 5_000, 1_000, 2_000, 9_000]
            let messages = zip(ids, offsets).map { id, offset in
                makeMessage(id, conversation: conversationID, location: location.id, contact: contact, at: offset)
            }
            try await store.insertMessages(messages, logger: logger)

            var seen: [String] = []
            var cursor: MessageID?
            var pages = 0
            repeat {
                let page = try await store.messagePage(
                    MessagePageQuery(conversationId: conversationID, locationId: location.id, lastMessageId: cursor, limit: 2),
                    logger: logger)
                seen += page.messages.map(\.id.rawValue)
                cursor = page.nextPage ? page.lastMessageId : nil
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == ["m3", "a", "_", "B", "m2", "m1"])
            #expect(pages == 3)

            let conversation = try #require(try await store.conversation(conversationID, in: location.id, logger: logger))
            #expect(conversation.unreadCount == 6)
            #expect(conversation.lastMessageDate == Timestamp(rawValue: epoch.rawValue + 9_000))

            await #expect(throws: SwitchboardError.invalidLastMessageId) {
                try await store.messagePage(
                    MessagePageQuery(conversationId: conversationID, locationId: location.id, lastMessageId: MessageID(rawValue: "nope")),
                    logger: logger)
            }
            // A duplicate id anywhere rolls the whole batch back.
            let again = [makeMessage("new", conversation: conversationID, location: location.id, contact: contact, at: 10_000), messages[0]]
            await #expect(throws: StoreError.duplicate) { try await store.insertMessages(again, logger: logger) }
            #expect(try await store.message(MessageID(rawValue: "new"), in: location.id, logger: logger) == nil)
        }
    }

    @Test func insertingCreatesMissingConversations() async throws {
        try await withPostgresStore { store in
            let location = LocationID(rawValue: "loc1")
            try await store.createLocation(Location(id: location, name: "L", dateAdded: epoch), logger: logger)
            let conversation = ConversationID(rawValue: "fresh")
            let contact = ContactID(rawValue: "c9")
            try await store.insertMessages(
                [
                    makeMessage("x2", conversation: conversation, location: location, contact: contact, direction: .outbound, at: 20),
                    makeMessage("x1", conversation: conversation, location: location, contact: contact, at: 10),
                ], logger: logger)
            let created = try #require(try await store.conversation(conversation, in: location, logger: logger))
            #expect(created.contactId == contact)
            #expect(created.dateAdded == Timestamp(rawValue: epoch.rawValue + 10))
            #expect(created.unreadCount == 1)
            #expect(created.lastMessageDirection == .outbound)
            // The contact has its conversation now: a second one for it is a duplicate.
            await #expect(throws: StoreError.duplicate) {
                try await store.insertMessages(
                    [makeMessage(conversation: ConversationID(rawValue: "other"), location: location, contact: contact, at: 30)],
                    logger: logger)
            }
        }
    }

    @Test func unreachableDatabaseIsUnavailableWithinTheTimeout() async throws {
        let answeredAfter = try await withUnreachableStore(connectionTimeout: .milliseconds(500)) { store in
            let started = ContinuousClock.now
            await #expect(throws: StoreError.self) { try await store.ping(logger: logger) }
            return ContinuousClock.now - started
        }
        // The promise is an answer within 10 seconds (the client's own shutdown afterwards is not part of it); the
        // wait itself is bounded at 0.5 s here, the rest is slack for a loaded machine.
        #expect(answeredAfter < .seconds(10))
    }

    /// A caller that gives up while waiting for a connection (a request timeout) is told it was cancelled: it is not
    /// an outage, and the pool is not marked as failing for it.
    @Test func aCancelledWaitIsACancellationNotAnOutage() async throws {
        let outcome = try await withUnreachableStore(connectionTimeout: .seconds(5)) { store in
            let ping = Task { [logger] in try await store.ping(logger: logger) }
            try? await Task.sleep(for: .milliseconds(300))
            ping.cancel()
            return await ping.result
        }
        #expect(throws: CancellationError.self) { try outcome.get() }
    }

    /// Runs `body` on a store whose database never answers (nothing listens on port 1 of loopback), with the store's
    /// pool running meanwhile.
    private func withUnreachableStore<T: Sendable>(
        connectionTimeout: Duration, _ body: (PostgresConversationStore) async -> T
    ) async throws -> T {
        var options = try PostgresOptions(url: "postgres://postgres@127.0.0.1:1/none")
        options.connectionTimeout = connectionTimeout
        let store = PostgresConversationStore(options: options, backgroundLogger: logger)
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await store.run() }
            let result = await body(store)
            group.cancelAll()
            return result
        }
    }
}
