import Logging
import PostgresNIO
import SwitchboardCore
@testable import SwitchboardPostgres
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// A reset on PostgreSQL deletes a test's worth of rows and truncates more; either way every table of its scope is
/// empty after it, the others are kept, and every instance hears that anything may have changed.
@Suite struct PostgresResetTests {
    let logger = Logger.test

    /// A new table is either reset or kept on purpose: the schema's tables are the reset's and the four kept ones.
    @Test func everyTableIsResetOrKeptOnPurpose() async throws {
        try await withPostgresStore { store in
            let tables = try await store.client.query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                logger: logger
            ).collect().map { try $0.decode(String.self) }
            let kept = ["schema_migrations", "oauth_signing_keys", "webhook_signing_keys", "rate_limit_counters"]
            let reset = PostgresConversationStore.resetTables(.everything)
            #expect(Set(tables) == Set(reset + kept))
            #expect(reset.count == Set(reset).count)
            #expect(Array(reset.prefix(PostgresConversationStore.resetTables(.data).count))
                == PostgresConversationStore.resetTables(.data))
        }
    }

    /// 200 messages (with their events and deliveries, about 620 rows) are deleted in place, 1,500 truncated (the table gets a new file); both leave every table of
    /// the scope empty, keep the locations and tokens, and announce "everything" on the change feed.
    @Test(arguments: [(200, false), (1_500, true)])
    func bothWaysEmptyTheScopeAndTellEveryInstance(messages: Int, truncated: Bool) async throws {
        try await withPostgresStore { store in
            let tenant = try await store.makeTenant()
            try await store.subscribe(tenant, id: "sub_reset", url: "http://127.0.0.1:9/hooks")
            // Ten conversations, each with a contact of its own.
            let written = (0..<messages).map { index in
                makeMessage(
                    conversation: ConversationID(rawValue: "ResetConversation\(index % 10)"), location: tenant.location,
                    contact: ContactID(rawValue: "ResetContact\(index % 10)"), at: Int64(index))
            }
            try await store.insertMessages(
                written, events: written.map { WebhookEvent.message($0, at: $0.dateAdded) }, logger: logger)
            let fileBefore = try await file(of: "messages", in: store)

            let heard = Locked<[ChangedConversations]>([])
            let listening = Locked(false)
            let feed = Task {
                try await store.receiveChanges(logger: logger, listening: { listening.withLock { $0 = true } }) { change in
                    heard.withLock { $0.append(change) }
                }
            }
            defer { feed.cancel() }
            let deadline = ContinuousClock.now + .seconds(5)
            while !listening.withLock({ $0 }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(listening.withLock { $0 })
            try await store.reset(.data, logger: logger)

            for table in PostgresConversationStore.resetTables(.data) {
                #expect(try await rows(in: table, of: store) == 0, "\(table) after a reset of \(messages)")
            }
            #expect(try await rows(in: "webhook_subscriptions", of: store) == 1)
            #expect(try await rows(in: "tokens", of: store) == 1)
            #expect(try await rows(in: "locations", of: store) == 1)
            #expect((try await file(of: "messages", in: store) != fileBefore) == truncated)
            while !heard.withLock({ $0.contains(.everything) }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(heard.withLock { $0.contains(.everything) })

            try await store.reset(.everything, logger: logger)
            for table in PostgresConversationStore.resetTables(.everything) {
                #expect(try await rows(in: table, of: store) == 0, "\(table) after a reset of everything")
            }
        }
    }

    private func rows(in table: String, of store: PostgresConversationStore) async throws -> Int {
        // The names are this file's and the store's constants.
        try await store.client.query("SELECT count(*)::int FROM \(unescaped: table)", logger: logger)
            .collect().first.map { try $0.decode(Int.self) } ?? -1
    }

    /// The file a table's rows are in: a TRUNCATE gives the table a new one, a DELETE does not.
    private func file(of table: String, in store: PostgresConversationStore) async throws -> Int64 {
        try await store.client.query(
            "SELECT relfilenode::int8 FROM pg_class WHERE oid = \(table)::regclass", logger: logger
        ).collect().first.map { try $0.decode(Int64.self) } ?? -1
    }
}
