import GRDB
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

@testable import SwitchboardSQLite

/// `BulkLoadMessageKeys` on its own, over a table with only the columns it reads.
@Suite struct BulkLoadMessageKeysTests {
    private func table() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE messages (location_id TEXT NOT NULL, id TEXT NOT NULL)") }
        return queue
    }

    private func messages(_ ids: [String], in location: String = "L") -> [Message] {
        ids.map { makeMessage($0, conversation: "c", location: LocationID(rawValue: location), contact: "p", at: 0) }
    }

    /// Writes a batch as the bulk load does: checked, its rows appended, recorded with its first row or as not known.
    private func write(
        _ messages: [Message], into queue: DatabaseQueue, keys: inout BulkLoadMessageKeys, rowsKnown: Bool = true
    ) throws {
        let batch = try keys.check(messages)
        let firstRow = try queue.write { db -> Int64 in
            try batch.refuseStoredIds(db)
            let last = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM messages") ?? 0
            for message in messages {
                try db.execute(
                    sql: "INSERT INTO messages (location_id, id) VALUES (?, ?)",
                    arguments: [message.locationId.rawValue, message.id.rawValue])
            }
            return last + 1
        }
        keys.record(batch, firstRow: rowsKnown ? firstRow : nil)
    }

    private func stored(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { db in try String.fetchAll(db, sql: "SELECT location_id || '/' || id FROM messages ORDER BY rowid") }
    }

    /// A repeated id is refused, against an earlier batch or within its own, whether the earlier rows are known (one
    /// row read) or not (the table searched); the same id in another location is another message.
    @Test(arguments: [true, false])
    func aRepeatedIdIsRefused(rowsKnown: Bool) throws {
        let queue = try table()
        var keys = BulkLoadMessageKeys()
        try write(messages(["a", "b"]), into: queue, keys: &keys, rowsKnown: rowsKnown)
        #expect(throws: StoreError.duplicate) { try write(messages(["c", "a"]), into: queue, keys: &keys, rowsKnown: rowsKnown) }
        #expect(throws: StoreError.duplicate) { try keys.check(messages(["d", "d"])) }
        try write(messages(["a"], in: "M"), into: queue, keys: &keys, rowsKnown: rowsKnown)
        try write(messages(["c", "d"]), into: queue, keys: &keys, rowsKnown: rowsKnown)
        #expect(try stored(queue) == ["L/a", "L/b", "M/a", "L/c", "L/d"])
    }

    /// Ids whose hashes share their 32 bits are told apart by their rows: none of them is refused, and each is
    /// refused when it comes again.
    @Test func idsSharingTheirBitsAreToldApartByTheirRows() throws {
        let queue = try table()
        var keys = BulkLoadMessageKeys(hash: { _, id in id.rawValue.hasPrefix("same") ? 1 << 40 | 7 : 7 })
        try write(messages(["same1", "other", "same2"]), into: queue, keys: &keys)
        try write(messages(["same3", "other2"]), into: queue, keys: &keys)
        for id in ["same1", "same2", "same3", "other", "other2"] {
            #expect(throws: StoreError.duplicate) { try write(messages([id]), into: queue, keys: &keys) }
        }
        #expect(try stored(queue) == ["L/same1", "L/other", "L/same2", "L/same3", "L/other2"])
    }

    /// Past its first 65,536 slots the table grows, and every id written before is still found.
    @Test func everyIdIsFoundAfterTheTableGrows() throws {
        let queue = try table()
        var keys = BulkLoadMessageKeys()
        let ids = (0..<100_000).map { "id\($0)" }
        try write(messages(ids), into: queue, keys: &keys)
        let written = keys
        for id in ids where id.hasSuffix("7") {
            let batch = try written.check(messages([id]))
            #expect(throws: StoreError.duplicate) { try queue.read { db in try batch.refuseStoredIds(db) } }
        }
        let fresh = try written.check(messages(["id100000"]))
        try queue.read { db in try fresh.refuseStoredIds(db) }
    }
}
