import Logging
import PostgresNIO
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// What several server instances sharing one database do at once.
@Suite struct PostgresConcurrencyTests {
    let logger = Logger.test

    @Test func instancesMigratingTogetherApplyEachMigrationOnce() async throws {
        try await withPostgresStore { store in
            let rows = try await store.client.query("SELECT current_schema()", logger: logger).collect()
            let schema = try #require(rows.first).decode(String.self)
            // A second schema, empty, that four fresh instances migrate at the same moment.
            let fresh = schema + "_b"
            try await store.client.query("CREATE SCHEMA \(unescaped: fresh)", logger: logger)
            var options = try postgresTestOptions()
            options.searchPath = fresh
            let instances = (0..<4).map { _ in PostgresConversationStore(options: options, backgroundLogger: logger) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for instance in instances { group.addTask { try await instance.run() } }
                try await withThrowingTaskGroup(of: Void.self) { migrations in
                    for instance in instances { migrations.addTask { try await instance.migrate(logger: logger) } }
                    try await migrations.waitForAll()
                }
                let applied = try await instances[0].client.query(
                    "SELECT name FROM \(unescaped: fresh).schema_migrations ORDER BY name", logger: logger
                ).collect().map { try $0.decode(String.self) }
                #expect(applied == PostgresConversationStore.migrationNames)
                group.cancelAll()
            }
            try await store.client.query("DROP SCHEMA \(unescaped: fresh) CASCADE", logger: logger)
        }
    }

    @Test func concurrentBatchesOnSharedConversationsAllLand() async throws {
        try await withPostgresStore { store in
            let location = LocationID(rawValue: "L")
            try await store.createLocation(Location(id: location, name: "L", dateAdded: testEpoch), logger: logger)
            let conversations = (0..<12).map { ConversationID(rawValue: "c\($0)") }
            // Eight writers, each touching every conversation, in different orders.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        let order = writer % 2 == 0 ? conversations : conversations.reversed()
                        let batch = order.enumerated().map { index, conversation in
                            makeMessage(
                                "w\(writer)-\(conversation.rawValue)", conversation: conversation, location: location,
                                contact: ContactID(rawValue: "p-\(conversation.rawValue)"), at: Int64(writer * 100 + index))
                        }
                        try await store.insertMessages(batch, logger: logger)
                    }
                }
                try await group.waitForAll()
            }
            for conversation in conversations {
                let summary = try #require(try await store.conversation(conversation, in: location, logger: logger))
                #expect(summary.unreadCount == 8)
                #expect(summary.lastMessageDate != nil)
            }
        }
    }

    @Test func sessionsCarryTheStatementTimeout() async throws {
        try await withPostgresStore { store in
            let rows = try await store.client.query("SHOW statement_timeout", logger: logger).collect()
            #expect(try #require(rows.first).decode(String.self) == "5s")
        }
    }
}
