import GRDB
import PostgresNIO
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Each way a store refuses or fails is its own error, the same on both backends: a taken key, a missing reference,
/// and a stored row that cannot be read back.
@Suite struct StoreRefusalTests {
    @Test(arguments: Backend.allCases)
    func aRowForAnUnknownLocationIsAMissingReferenceNotADuplicate(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let contact = Contact(id: .generate(), locationId: LocationID(rawValue: "no-such-location"), dateAdded: testEpoch)
            await #expect(throws: StoreError.missingReference) { try await store.createContact(contact, logger: .test) }
            let tenant = try await store.makeTenant()
            var known = contact
            known.locationId = tenant.location
            try await store.createContact(known, logger: .test)
            await #expect(throws: StoreError.duplicate) { try await store.createContact(known, logger: .test) }
        }
    }

    /// A message whose stored type code this build does not know: reading it fails as a damaged row (a 500 to look
    /// into), not as an outage (a 503 to retry), on both backends.
    @Test(arguments: Backend.allCases)
    func aStoredRowThatCannotBeReadIsCorruptNotUnavailable(_ backend: Backend) async throws {
        try await withDamageableStore(backend) { store, damage in
            let tenant = try await store.makeTenant()
            let message = makeMessage(
                conversation: .generate(), location: tenant.location, contact: .generate(), at: 1)
            try await store.insertMessages([message], logger: .test)
            try await damage("UPDATE messages SET type_code = 999")
            let query = MessagePageQuery(conversationId: message.conversationId, locationId: tenant.location)
            await #expect(throws: StoreError.corruptRow("unknown message type 999")) {
                try await store.messagePage(query, logger: .test)
            }
            await #expect(throws: StoreError.corruptRow("unknown message type 999")) {
                try await store.message(message.id, in: tenant.location, logger: .test)
            }
        }
    }

    /// A store of `backend`, and a way to run SQL on its database behind its back.
    private func withDamageableStore(
        _ backend: Backend,
        _ body: @Sendable (any ConversationStore, _ damage: @Sendable (String) async throws -> Void) async throws -> Void
    ) async throws {
        switch backend {
        case .sqlite:
            try await withTemporarySQLitePath { path in
                let store = try SQLiteConversationStore(path: path)
                try await body(store) { sql in
                    let queue = try DatabaseQueue(path: path)
                    try await queue.write { db in try db.execute(sql: sql) }
                }
            }
        case .postgres:
            try await withPostgresStore { store in
                try await body(store) { sql in
                    try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: .test)
                }
            }
        }
    }
}
