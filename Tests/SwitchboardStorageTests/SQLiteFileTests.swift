import Foundation
import GRDB
@testable import SwitchboardSQLite
import SwitchboardTestSupport
import Testing

/// `SQLiteFile`: how the store treats the file on disk (issue 15).
@Suite struct SQLiteFileTests {
    @Test(arguments: SQLiteFile.Durability.allCases)
    func durabilitySetsTheWritersSynchronousMode(_ durability: SQLiteFile.Durability) async throws {
        try await withTemporarySQLitePath { path in
            let store = try SQLiteConversationStore(path: path, durability: durability)
            let mode = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(mode == (durability == .full ? 2 : 1))
        }
    }

    @Test func anExistingFileKeepsItsModeAndASharedOneIsNamed() async throws {
        try await withTemporarySQLitePath { path in
            _ = try SQLiteConversationStore(path: path)
            #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
            try SQLiteFile.refuseIfShared(path)  // 0600: accepted
            for mode in [0o640, 0o604, 0o620] {
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
                #expect(throws: SQLiteFile.Refusal.self) { try SQLiteFile.refuseIfShared(path) }
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
            try SQLiteFile.refuseIfShared(path)
        }
    }
}
