import GRDB
import SwitchboardCore
import SwitchboardStorage

/// Reads a row's cells left to right from `start`, in the order of the SELECT's column list: the storage module's
/// `StoredRowReader`, so both backends share one decoding of each table (`StoredRow`).
struct SQLiteRowReader: StoredRowReader {
    private let row: Row
    private var index: Int

    init(_ row: Row, from start: Int = 0) {
        self.row = row
        index = start
    }

    private mutating func next<T: DatabaseValueConvertible & StatementColumnConvertible>(_: T.Type = T.self) throws -> T {
        guard index < row.count else { throw StoreError.corruptRow("the database returned too few columns") }
        defer { index += 1 }
        do {
            return try row.decode(T.self, atIndex: index)
        } catch {
            throw StoreError.corruptRow("column \(index) is not a \(T.self): \(error)")
        }
    }

    mutating func text() throws -> String { try next() }
    mutating func optionalText() throws -> String? { try next() }
    mutating func integer() throws -> Int64 { try next() }
    mutating func optionalInteger() throws -> Int64? { try next() }
    mutating func flag() throws -> Bool { try next() }
}

/// Rows to domain values: `StoredRow`'s decoding over a SQLite row, from its first column unless told otherwise.
enum Decode {
    static func location(_ row: Row) throws -> Location { try row.decoded(StoredRow.location) }

    static func token(_ row: Row) throws -> StoredToken { try row.decoded(StoredRow.token) }

    static func contact(_ row: Row) throws -> Contact { try row.decoded(StoredRow.contact) }

    static func conversation(_ row: Row) throws -> Conversation { try row.decoded(StoredRow.conversation) }

    /// A conversation and its contact (NULLs from a LEFT JOIN when it has none), from column `start`.
    static func listing(_ row: Row, from start: Int) throws -> ConversationListing {
        var reader = SQLiteRowReader(row, from: start)
        return try StoredRow.listing(&reader)
    }

    static func message(_ row: Row) throws -> Message { try row.decoded(StoredRow.message) }

    static func app(_ row: Row) throws -> OAuthApp { try row.decoded(StoredRow.app) }

    static func installation(_ row: Row) throws -> OAuthInstallation? { try row.decoded(StoredRow.installation) }

    static func subscription(_ row: Row) throws -> WebhookSubscription { try row.decoded(StoredRow.subscription) }

    static func provider(_ row: Row) throws -> ConversationProvider { try row.decoded(StoredRow.provider) }

    static func delivery(_ row: Row) throws -> WebhookDelivery { try row.decoded(StoredRow.delivery) }

    static func deliveryRecord(_ row: Row) throws -> WebhookDeliveryRecord { try row.decoded(StoredRow.deliveryRecord) }

    static func attemptRecord(_ row: Row) throws -> WebhookAttemptRecord { try row.decoded(StoredRow.attemptRecord) }

    static func signingKey(_ row: Row, seal: SigningKeySeal) throws -> SigningKey? {
        try row.decoded { try StoredRow.signingKey(&$0, seal: seal) }
    }
}

extension Row {
    /// The row read by one of `StoredRow`'s decoders.
    func decoded<Value>(_ decode: (inout SQLiteRowReader) throws -> Value) throws -> Value {
        var reader = SQLiteRowReader(self)
        return try decode(&reader)
    }
}
