import GRDB
import GRDBSQLite
import SwitchboardCore
import SwitchboardStorage

/// Binds message rows straight to a prepared multi-row `INSERT` through SQLite's C API. GRDB's `StatementArguments`
/// box every value as a `DatabaseValue` first; for bulk writes (imports) that boxing was a fifth of the CPU time.
/// The statement still comes from GRDB's cache and runs inside GRDB's transaction.
enum MessageRowBinder {
    /// SQLite copies each value before `bind` returns, so the Swift strings need not outlive the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Inserts `rows` with `statement`, whose SQL has one 20-column row group per message, in the column order of
    /// `SQLiteConversationStore.messageColumns`.
    static func insert(_ rows: ArraySlice<Message>, with statement: Statement, in db: Database) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var index: Int32 = 0
        func text(_ value: String?) {
            index += 1
            guard var value else {
                sqlite3_bind_null(handle, index)
                return
            }
            value.withUTF8 { bytes in
                // Up to the first NUL, as GRDB binds every other string (and the PostgreSQL store mirrors), so all
                // writes store the same text. An empty buffer may have no address, which SQLite would store as NULL.
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                let base = bytes.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(("" as StaticString).utf8Start)
                sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(length), transient)
            }
        }
        func integer(_ value: Int64?) {
            index += 1
            if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
        }
        for message in rows {
            text(message.locationId.rawValue)
            text(message.id.rawValue)
            text(message.conversationId.rawValue)
            text(message.contactId.rawValue)
            integer(Int64(message.messageType.code))
            text(message.direction?.rawValue)
            text(message.status)
            text(message.body)
            text(message.contentType)
            integer(message.dateAdded.rawValue)
            integer(message.dateUpdated.rawValue)
            text(message.source)
            text(message.userId)
            text(message.altId)
            text(message.attachments.map(StringListColumn.encode))
            integer(message.call?.duration.map(Int64.init))
            text(message.call?.status)
            text(message.emailMessageIds.map(StringListColumn.encode))
            text(message.conversationProviderId)
            text(message.chatWidgetId)
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let error = DatabaseError(
                resultCode: ResultCode(rawValue: sqlite3_extended_errcode(db.sqliteConnection)),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
            sqlite3_reset(handle)
            throw error
        }
        sqlite3_reset(handle)
    }
}
