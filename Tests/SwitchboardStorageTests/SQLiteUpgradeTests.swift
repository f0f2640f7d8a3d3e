import Foundation
import GRDB
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

@testable import SwitchboardSQLite

/// A database made by an earlier release opens with the current one: migrations that rebuild a table keep its rows
/// and the rows that refer to them.
@Suite struct SQLiteUpgradeTests {
    /// Migration 008 rebuilds `webhook_subscriptions` (a subscription may now be an app's): the subscriptions, a
    /// provider's, and the deliveries pending for them are all there afterwards, and still deliverable.
    @Test func subscriptionsProvidersAndDeliveriesSurviveTheRebuildForAppSubscriptions() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        try await makeDatabase(
            at: path, migratedUpTo: "007_webhook_attempts",
            rows: """
                INSERT INTO locations (id, name, date_added) VALUES ('Location000000000001', 'Old', 0);
                INSERT INTO webhook_subscriptions (id, location_id, url, events, created_at)
                    VALUES ('sub_old', 'Location000000000001', 'http://127.0.0.1:9/old', 'InboundMessage', 1),
                           ('Provider000000000001', 'Location000000000001', 'http://127.0.0.1:9/p', 'ProviderOutboundMessage', 2);
                INSERT INTO conversation_providers (id, location_id, name, channel, is_default, created_at)
                    VALUES ('Provider000000000001', 'Location000000000001', 'Old SMS', 'SMS', 1, 2);
                INSERT INTO webhook_events (type, location_id, conversation_id, payload, created_at)
                    VALUES ('InboundMessage', 'Location000000000001', 'Conversation00000001', '{"type":"InboundMessage"}', 3);
                INSERT INTO webhook_deliveries (webhook_id, event_seq, subscription_id, order_key, state, next_attempt_at)
                    VALUES ('00000000-0000-4000-8000-000000000001', 1, 'sub_old', 'Conversation00000001', 'pending', 3);
                """)

        let store = try SQLiteConversationStore(path: path)
        #expect(try await store.subscriptions(in: nil, logger: .test) == [
            WebhookSubscription(
                id: "sub_old", locationId: LocationID(rawValue: "Location000000000001"), url: "http://127.0.0.1:9/old",
                events: ["InboundMessage"], createdAt: Timestamp(rawValue: 1)),
        ])
        let providers = try await store.providers(in: LocationID(rawValue: "Location000000000001"), logger: .test)
        #expect(providers.map(\.id) == ["Provider000000000001"])
        #expect(providers.map(\.deliveryURL) == ["http://127.0.0.1:9/p"])
        let claimed = try await store.claimDueDeliveries(
            now: Timestamp(rawValue: 10), leaseUntil: Timestamp(rawValue: 30_000), limit: 10, logger: .test)
        #expect(claimed.map(\.webhookId) == ["00000000-0000-4000-8000-000000000001"])
        #expect(claimed.map(\.url) == ["http://127.0.0.1:9/old"])
        // Removing the subscription still takes its deliveries with it: the deliveries' reference is to the new table.
        #expect(try await store.removeSubscription("sub_old", logger: .test))
        #expect(try await store.pendingDeliveryCount(logger: .test) == 0)
    }

    /// Migration 015 copies the messages into a table keyed by row, their id a unique index of its own: every
    /// message, its page, its lookup by id and a scheduled send that refers to it are there afterwards, and a
    /// repeated id is still refused.
    @Test func messagesSurviveTheRebuildAroundTheRowKey() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        try await makeDatabase(
            at: path, migratedUpTo: "014_cluster_coordination",
            rows: """
                INSERT INTO locations (id, name, date_added) VALUES ('Location000000000001', 'Old', 0);
                INSERT INTO contacts (location_id, id, date_added, date_updated)
                    VALUES ('Location000000000001', 'Contact0000000000001', 0, 0);
                INSERT INTO conversations (location_id, id, contact_id, date_added, date_updated)
                    VALUES ('Location000000000001', 'Conversation00000001', 'Contact0000000000001', 0, 0);
                INSERT INTO messages (location_id, id, conversation_id, contact_id, type_code, direction, body,
                                      date_added, date_updated)
                    VALUES ('Location000000000001', 'zMessage00000000old1', 'Conversation00000001',
                            'Contact0000000000001', 2, 'inbound', 'first', 1000, 1000),
                           ('Location000000000001', 'aMessage00000000old2', 'Conversation00000001',
                            'Contact0000000000001', 2, 'outbound', 'second', 2000, 2000);
                INSERT INTO scheduled_sends (location_id, message_id, due_at)
                    VALUES ('Location000000000001', 'aMessage00000000old2', 5000);
                """)

        let store = try SQLiteConversationStore(path: path)
        // The copy's write-ahead log is emptied, so later starts need not read it.
        #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int == 0)
        let location = LocationID(rawValue: "Location000000000001")
        let page = try await store.messagePage(
            MessagePageQuery(conversationId: ConversationID(rawValue: "Conversation00000001"), locationId: location, limit: 10),
            logger: .test)
        #expect(page.messages.map(\.id.rawValue) == ["aMessage00000000old2", "zMessage00000000old1"])
        #expect(page.messages.map(\.body) == ["second", "first"])
        let byId = try await store.message(MessageID(rawValue: "zMessage00000000old1"), in: location, logger: .test)
        #expect(byId?.body == "first")
        let due = try await store.dueScheduledSends(at: Timestamp(rawValue: 6000), limit: 10, logger: .test)
        #expect(due.map(\.messageId.rawValue) == ["aMessage00000000old2"])
        await #expect(throws: StoreError.duplicate) {
            try await store.insertMessages(
                [makeMessage("zMessage00000000old1", conversation: ConversationID(rawValue: "Conversation00000001"),
                             location: location, contact: ContactID(rawValue: "Contact0000000000001"), at: 9)],
                logger: .test)
        }
        let shape = try await store.pool.read { db in
            (try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'messages'") ?? "",
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' ORDER BY name"),
             try Int.fetchAll(db, sql: "SELECT rowid FROM messages ORDER BY rowid"))
        }
        #expect(!shape.0.contains("PRIMARY KEY"))
        #expect(shape.1 == ["messages_by_id", "messages_export_created", "messages_export_updated", "messages_page"])
        #expect(shape.2 == [1, 2])
    }

    /// Migration 016 makes the search index again with row ids by location: what a database indexed before finds
    /// it afterwards, counted by location (the other location's match is not), and the triggers keep the new index
    /// in step with a contact's new name, a newer message and a deleted conversation.
    @Test func searchFindsWhatWasIndexedBeforeTheIndexByLocation() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        try await makeDatabase(
            at: path, migratedUpTo: "015_messages_row_key",
            rows: """
                INSERT INTO locations (id, name, date_added) VALUES ('Location000000000001', 'Old', 0),
                    ('Location000000000002', 'Other', 0);
                INSERT INTO contacts (location_id, id, first_name, last_name, date_added, date_updated)
                    VALUES ('Location000000000001', 'Contact0000000000001', 'Petra', 'Kingfisher', 0, 0),
                           ('Location000000000001', 'Contact0000000000002', NULL, 'Kingfisher', 0, 0),
                           ('Location000000000002', 'Contact0000000000003', 'Otto', 'Kingfisher', 0, 0);
                INSERT INTO conversations (location_id, id, contact_id, date_added, date_updated, last_message_body)
                    VALUES ('Location000000000001', 'Conversation00000001', 'Contact0000000000001', 0, 0, 'old words'),
                           ('Location000000000001', 'Conversation00000002', 'Contact0000000000002', 1, 1, 'more words'),
                           ('Location000000000002', 'Conversation00000003', 'Contact0000000000003', 2, 2, 'old words');
                """)
        let store = try SQLiteConversationStore(path: path)
        let location = LocationID(rawValue: "Location000000000001")
        func found(_ text: String) async throws -> ([String], Int) {
            let result = try await store.searchConversations(
                ConversationSearchQuery(locationId: location, text: text), logger: .test)
            return (result.conversations.map(\.conversation.id.rawValue), result.total)
        }
        #expect(try await found("KINGFISHER") == (["Conversation00000001"], 1))  // a full name needs both names
        #expect(try await found("words") == (["Conversation00000002", "Conversation00000001"], 2))
        #expect(try await found("old wo") == (["Conversation00000001"], 1))
        var contact = try #require(
            try await store.contact(ContactID(rawValue: "Contact0000000000002"), in: location, logger: .test))
        contact.firstName = "Hugo"
        try await store.updateContact(contact, logger: .test)
        #expect(try await found("hugo king") == (["Conversation00000002"], 1))
        try await store.insertMessages(
            [makeMessage(conversation: ConversationID(rawValue: "Conversation00000001"), location: location,
                         contact: ContactID(rawValue: "Contact0000000000001"), at: 5, body: "new phrase")],
            logger: .test)
        #expect(try await found("old wo") == ([], 0))
        #expect(try await found("new phrase") == (["Conversation00000001"], 1))
        #expect(try await store.deleteConversation(ConversationID(rawValue: "Conversation00000002"), in: location, logger: .test))
        #expect(try await found("words") == ([], 0))
        #expect(try await found("kingfisher") == (["Conversation00000001"], 1))
    }

    /// A database as an earlier release left it: the migrations up to `migration`, then `rows` inserted.
    private func makeDatabase(at path: String, migratedUpTo migration: String, rows: String) async throws {
        let pool = try DatabasePool(path: path, configuration: SQLiteConversationStore.configuration())
        var migrator = DatabaseMigrator()
        SQLiteMigrations.register(in: &migrator)
        try migrator.migrate(pool, upTo: migration)
        try await pool.write { db in try db.execute(sql: rows) }
        try pool.close()
    }

    /// A new database gets every migration in one transaction: the same tables, indexes, triggers and recorded
    /// migrations as one made a migration at a time by GRDB's migrator, and later starts find nothing to do.
    @Test func aNewDatabaseInOneTransactionIsTheDatabaseTheMigratorMakes() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func schema(_ pool: DatabasePool) async throws -> [[String?]] {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
                    .map { [$0[0], $0[1], $0[2], $0[3]] }
            }
        }
        func recorded(_ pool: DatabasePool) async throws -> [String] {
            try await pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        }
        let stepwise = try DatabasePool(
            path: directory.appendingPathComponent("stepwise.sqlite").path, configuration: SQLiteConversationStore.configuration())
        var migrator = DatabaseMigrator()
        SQLiteMigrations.register(in: &migrator)
        try migrator.migrate(stepwise)
        let atOnce = try DatabasePool(
            path: directory.appendingPathComponent("at-once.sqlite").path, configuration: SQLiteConversationStore.configuration())
        try SQLiteMigrations.migrate(atOnce)

        let expected = try await schema(stepwise)
        let made = try await schema(atOnce)
        #expect(expected.count > 40)
        #expect(made == expected)
        #expect(try await recorded(atOnce) == SQLiteMigrations.all.map(\.name).sorted())
        #expect(try await recorded(atOnce) == recorded(stepwise))
        let migrated = migrator
        #expect(try await atOnce.read { db in try migrated.hasCompletedMigrations(db) })
        // A second start changes nothing.
        try SQLiteMigrations.migrate(atOnce)
        #expect(try await schema(atOnce) == expected)
    }
}
