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

    /// A write that holds one of the reset's tables and then waits for another the reset already took: PostgreSQL
    /// ends the reset's transaction as the deadlock's victim after `deadlock_timeout` (1 s), the write goes on, and
    /// the reset is run again and succeeds.
    @Test func aResetThatDeadlocksWithAWriteIsRunAgain() async throws {
        try await withPostgresStore { store in
            let tenant = try await store.makeTenant()
            try await seedMessages(3, of: tenant, into: store)
            let holding = Locked(false)
            let write = Task {
                try await store.client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("LOCK TABLE contacts IN ROW EXCLUSIVE MODE", logger: logger)
                    holding.withLock { $0 = true }
                    // Until the reset waits for contacts, holding every table before it in its list.
                    try await Task.sleep(for: .milliseconds(400))
                    try await connection.query("LOCK TABLE scheduled_sends IN ROW EXCLUSIVE MODE", logger: logger)
                    try await connection.query("COMMIT", logger: logger)
                }
            }
            while !holding.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
            try await store.reset(.data, logger: logger)
            try await write.value
            #expect(try await rows(in: "messages", of: store) == 0)
        }
    }

    private func seedMessages(_ count: Int, of tenant: Tenant, into store: PostgresConversationStore) async throws {
        let messages = (0..<count).map { index in
            makeMessage(conversation: ConversationID(rawValue: "DeadlockConversation"), location: tenant.location,
                contact: ContactID(rawValue: "DeadlockContact"), at: Int64(index))
        }
        try await store.insertMessages(messages, logger: logger)
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
