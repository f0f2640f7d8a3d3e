import Foundation
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// A whole export counts the location's messages once (issue 15, finding 9): the first page counts, and its
/// cursor carries the total to the next pages, which do not count again.
@Suite struct ExportTotalTests {
    @Test func theCursorCarriesTheTotal() throws {
        let cursor = ExportCursor(date: Timestamp(rawValue: 1_700_000_000_000), id: MessageID(rawValue: "a_b"), total: 42)
        #expect(cursor.token == "1700000000000.42_a_b")
        #expect(ExportCursor(token: cursor.token) == cursor)
        // The earlier form, without a total, still reads.
        #expect(ExportCursor(token: "5_m1") == ExportCursor(date: Timestamp(rawValue: 5), id: MessageID(rawValue: "m1")))
        for bad in ["x_m1", "5.x_m1", "5.-1_m1", "5m1", "5._m1"] { #expect(ExportCursor(token: bad) == nil, "\(bad)") }
    }

    @Test(arguments: Backend.allCases)
    func laterPagesDoNotCountAgain(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            try await store.insertMessages(
                (0..<25).map { makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: Int64($0)) },
                logger: .test)
            let first = try await store.exportMessages(
                MessageExportQuery(locationId: tenant.location, limit: 10, sortOrder: .asc), logger: .test)
            #expect(first.total == 25)
            #expect(first.nextCursor?.total == 25)
            // A message written during the export: later pages keep the total the export began with.
            try await store.insertMessages(
                [makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: 1_000)],
                logger: .test)
            let second = try await store.exportMessages(
                MessageExportQuery(locationId: tenant.location, limit: 10, cursor: first.nextCursor, sortOrder: .asc),
                logger: .test)
            #expect(second.total == 25)
            #expect(second.messages.count == 10)
            // A fresh export counts again.
            let fresh = try await store.exportMessages(MessageExportQuery(locationId: tenant.location, limit: 10), logger: .test)
            #expect(fresh.total == 26)
        }
    }
}
