import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
@testable import SwitchboardSQLite
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Issue 15: what the disk does is an outage (503 in HighLevel's shape), never a 500, and nothing is half-stored.
@Suite struct StoreFaultTests {
    /// A full disk, made real: SQLite's page limit on the writer set to the file's size, so the next page it needs
    /// fails with SQLITE_FULL ("database or disk is full"). Before: 500 "unhandled error".
    @Test func aFullDiskAnswers503AndStoresNothing() async throws {
        try await withSQLiteStore { store in
            let tenant = try await store.makeTenant()
            let contact = Contact(id: .generate(), locationId: tenant.location, dateAdded: testEpoch)
            try await store.createContact(contact, logger: .test)
            let conversation = ConversationID.generate()
            try await store.createConversation(
                Conversation(id: conversation, locationId: tenant.location, contactId: contact.id, dateAdded: testEpoch),
                logger: .test)
            try await store.pool.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
            try await makeApplication(store: store).test(.router) { client in
                let response = try await client.send(
                    .post, "/conversations/messages/inbound", headers: tenant.headers,
                    json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact.id)","message":"\#(String(repeating: "x", count: 60_000))"}"#)
                #expect(response.status == .serviceUnavailable, "\(String(buffer: response.body))")
                #expect(try response.errorBody() == SwitchboardError.serviceUnavailable.body)
                let page = try await client.execute(
                    uri: "/conversations/\(conversation)/messages", method: .get, headers: tenant.headers)
                #expect(page.status == .ok)
                #expect(try page.page().messages.messages.isEmpty)
            }
        }
    }

    /// Every fault of the disk or the file maps to an outage; a broken key is a refused write.
    @Test func sqliteFaultsAreClassified() {
        let outages: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_CANTOPEN,
                                     .SQLITE_READONLY, .SQLITE_BUSY, .SQLITE_NOMEM]
        for code in outages {
            #expect(DatabaseError(resultCode: code).storeError?.isOutage == true, "\(code)")
        }
        #expect(DatabaseError(resultCode: .SQLITE_CONSTRAINT_UNIQUE).storeError == .duplicate)
        #expect(DatabaseError(resultCode: .SQLITE_CONSTRAINT_PRIMARYKEY).storeError == .duplicate)
        #expect(DatabaseError(resultCode: .SQLITE_CONSTRAINT_FOREIGNKEY).storeError == .missingReference)
        #expect(
            DatabaseError(resultCode: .SQLITE_CONSTRAINT_NOTNULL, message: "NOT NULL constraint failed: messages.body")
                .storeError == .constraintViolated("NOT NULL constraint failed: messages.body"))
        #expect(DatabaseError(resultCode: .SQLITE_FULL).storeError == .unavailable("the disk is full"))
    }
}
