import GRDB
import SwitchboardCore
import SwitchboardStorage

/// The message ids a bulk load has written, so that it refuses a repeated one while the unique index that would
/// have refused it (`messages_by_id`) is set aside until the commit.
///
/// Holding 1,100,000 ids as strings would cost about 80 MB, and a dictionary of their hashes about 50 at its
/// peak, on an import whose memory must stay under 300 MB; so each id is 32 bits of its hash and the row it went
/// to, packed in one 64-bit slot of an open-addressed table (16 MB for a million ids). An id whose 32 bits match no
/// slot is new; one that matches is settled by reading the rows of the matching slots: the id itself when it is
/// repeated, otherwise about one message in 4,000 at a million ids (each a lookup by row key). The hash's seed is
/// random per process, so a file cannot be made to collide.
struct BulkLoadMessageKeys: Sendable {
    typealias Hash = @Sendable (_ location: LocationID, _ id: MessageID) -> Int

    static let randomlySeeded: Hash = { location, id in
        var hasher = Hasher()
        hasher.combine(location.rawValue)
        hasher.combine(id.rawValue)
        return hasher.finalize()
    }

    private let hash: Hash
    private var table = FingerprintTable()

    init(hash: @escaping Hash = Self.randomlySeeded) {
        self.hash = hash
    }

    /// What a batch needs checked against the rows written before it, worked out without the database.
    struct Batch: Sendable {
        fileprivate var hashes: [Int] = []
        /// Messages whose fingerprint matches a slot, with that slot's row (nil: not known; search the table).
        fileprivate var suspects: [(location: LocationID, id: MessageID, row: Int64?)] = []

        /// Throws `StoreError.duplicate` if a suspect is stored already.
        func refuseStoredIds(_ db: Database) throws {
            for suspect in suspects {
                let arguments: StatementArguments = [suspect.location.rawValue, suspect.id.rawValue]
                let stored =
                    if let row = suspect.row {
                        try Bool.fetchOne(
                            db, sql: "SELECT location_id = ? AND id = ? FROM messages WHERE rowid = ?",
                            arguments: arguments + [row])
                    } else {
                        try Bool.fetchOne(
                            db, sql: "SELECT EXISTS (SELECT 1 FROM messages WHERE location_id = ? AND id = ?)",
                            arguments: arguments)
                    }
                if stored == true { throw StoreError.duplicate }
            }
        }
    }

    /// The batch's hashes and suspects; `StoreError.duplicate` when the batch repeats an id itself.
    func check(_ messages: [Message]) throws -> Batch {
        var batch = Batch()
        batch.hashes.reserveCapacity(messages.count)
        var inBatch = Set<MessageKey>(minimumCapacity: messages.count)
        for message in messages {
            guard inBatch.insert(MessageKey(location: message.locationId, id: message.id)).inserted else {
                throw StoreError.duplicate
            }
            let value = hash(message.locationId, message.id)
            batch.hashes.append(value)
            for row in table.rows(matching: value) { batch.suspects.append((message.locationId, message.id, row)) }
        }
        return batch
    }

    /// Records a batch written to the rows `firstRow`, `firstRow + 1`, … in order; nil when its rows are not known.
    mutating func record(_ batch: Batch, firstRow: Int64?) {
        for (offset, value) in batch.hashes.enumerated() {
            table.insert(value, row: firstRow.map { $0 + Int64(offset) })
        }
    }

    private struct MessageKey: Hashable {
        var location: LocationID
        var id: MessageID
    }
}

/// Open addressing with linear probing over 64-bit slots: 32 bits of the hash, which also pick the slot, above a row
/// key (0: not known, or too large to hold). `empty` cannot be a slot in use, since its row half is not a row held.
private struct FingerprintTable: Sendable {
    private static let empty = UInt64.max
    private var slots = [UInt64](repeating: Self.empty, count: 1 << 16)
    private var count = 0

    private static func fingerprint(_ hash: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: hash)) }

    /// The rows of the slots that hold the hash's 32 bits (nil for a row not known).
    func rows(matching hash: Int) -> [Int64?] {
        let fingerprint = Self.fingerprint(hash)
        var found: [Int64?] = []
        var index = Int(fingerprint) & (slots.count - 1)
        while slots[index] != Self.empty {
            if slots[index] >> 32 == fingerprint {
                let row = Int64(slots[index] & 0xFFFF_FFFF)
                found.append(row == 0 ? nil : row)
            }
            index = (index + 1) & (slots.count - 1)
        }
        return found
    }

    mutating func insert(_ hash: Int, row: Int64?) {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        let held = row.flatMap { UInt32(exactly: $0) }.flatMap { $0 == UInt32.max ? nil : $0 } ?? 0
        Self.place((Self.fingerprint(hash) << 32) | UInt64(held), in: &slots)
        count += 1
    }

    private static func place(_ slot: UInt64, in slots: inout [UInt64]) {
        var index = Int(slot >> 32) & (slots.count - 1)
        while slots[index] != empty { index = (index + 1) & (slots.count - 1) }
        slots[index] = slot
    }

    private mutating func grow() {
        var larger = [UInt64](repeating: Self.empty, count: slots.count * 2)
        for slot in slots where slot != Self.empty { Self.place(slot, in: &larger) }
        slots = larger
    }
}
