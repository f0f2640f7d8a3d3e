import Foundation
public import GRDB
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// The embedded backend: one SQLite file in WAL mode through a GRDB `DatabasePool`
/// (one serialized writer, concurrent readers).
public final class SQLiteConversationStore: ConversationStore {
    let pool: DatabasePool
    /// The database file, for connections of their own (imports: see `withImport`).
    let path: String
    /// How the signing keys' secrets are kept (see `SigningKeySeal`).
    let keySeal: SigningKeySeal
    /// A separate connection that only watches for commits (see `changeToken`).
    private let watcher: DatabaseQueue

    /// Opens (creating if needed) the database at `path` and applies pending migrations (unless `migrating` is
    /// false: then the caller runs `migrate()` before anything else reads or writes).
    /// A new file is created readable by its owner alone (`SQLiteFile`); with `checkIntegrity`, a damaged file is
    /// refused (`SQLiteFile.Refusal`) before anything is read from it. `:memory:` is a new, empty store kept in
    /// memory until the process exits (`SQLiteMemoryFolder`).
    public init(
        path: String, maximumReaderCount: Int = 8, durability: SQLiteFile.Durability = .normal,
        checkIntegrity: Bool = false, keySeal: SigningKeySeal = .plain, migrating: Bool = true
    ) throws {
        let path = path == ":memory:" ? try SQLiteMemoryFolder.make() : path
        self.path = path
        self.keySeal = keySeal
        try SQLiteFile.createPrivately(path)
        var configuration = Self.configuration()
        configuration.maximumReaderCount = maximumReaderCount
        pool = try DatabasePool(path: path, configuration: configuration)
        // After the pool's own set-up, which chooses NORMAL for WAL; only the one writer connection commits.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(durability.pragma)") }
        if checkIntegrity { try SQLiteFile.checkIntegrity(pool, path: path) }
        if migrating { try SQLiteMigrations.migrate(pool) }
        var watcherConfiguration = Configuration()
        watcherConfiguration.readonly = true
        watcherConfiguration.busyMode = .timeout(5)
        watcher = try DatabaseQueue(path: path, configuration: watcherConfiguration)
    }

    /// Applies pending migrations (for a store opened with `migrating: false`).
    public func migrate() throws {
        try SQLiteMigrations.migrate(pool)
    }

    /// Every connection's settings.
    static func configuration() -> Configuration {
        var configuration = Configuration()
        // Another process (the CLI) may be writing: wait for its lock rather than failing at once.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // The writer keeps the indexes' hot pages in memory (64 MiB) so bulk writes do not re-read them;
            // readers keep SQLite's default, which keeps the server small.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -65536") }
            // Multi-row inserts keep a statement journal (to undo one statement on a constraint error); in a temporary
            // file it cost two write calls per page touched, more than the WAL itself.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return configuration
    }

    public static var migrationNames: [String] { SQLiteMigrations.all.map(\.name) }

    // MARK: Locations and tokens

    public func createLocation(_ location: Location, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO locations (id, name, date_added) VALUES (?, ?, ?)",
                arguments: [location.id.rawValue, location.name, location.dateAdded.rawValue])
        }
    }

    public func location(_ id: LocationID, logger: Logger) async throws -> Location? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, date_added FROM locations WHERE id = ?", arguments: [id.rawValue])
                .map(Decode.location)
        }
    }

    public func locations(logger: Logger) async throws -> [Location] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, date_added FROM locations ORDER BY date_added, id")
                .map(Decode.location)
        }
    }


    public func createToken(_ token: StoredToken, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO tokens (\(Self.tokenColumns))
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.locationId.rawValue, token.id, token.hash.rawValue, token.name, token.scopeList,
                    token.createdAt.rawValue, token.revokedAt?.rawValue,
                ])
        }
    }

    private static let tokenColumns = TokenColumn.list

    public func tokens(in location: LocationID?, logger: Logger) async throws -> [StoredToken] {
        try await pool.read { db in
            let rows: [Row]
            if let location {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(Self.tokenColumns) FROM tokens WHERE location_id = ? ORDER BY created_at, id",
                    arguments: [location.rawValue])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT \(Self.tokenColumns) FROM tokens ORDER BY created_at, id")
            }
            return try rows.map(Decode.token)
        }
    }

    public func revokeToken(idOrHash: String, at time: Timestamp, logger: Logger) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE tokens SET revoked_at = ? WHERE (id = ? OR token_hash = ?) AND revoked_at IS NULL",
                arguments: [time.rawValue, idOrHash, idOrHash])
            return db.changesCount > 0
        }
    }

    public func activeToken(hash: TokenHash, logger: Logger) async throws -> StoredToken? {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.tokenColumns) FROM tokens WHERE token_hash = ? AND revoked_at IS NULL")
            return try Row.fetchOne(statement, arguments: [hash.rawValue]).map(Decode.token)
        }
    }


    /// `PRAGMA data_version` moves when another connection commits; it is read on a connection of its own, so the
    /// pool's writer counts as "another connection" too.
    public func changeToken(logger: Logger) async throws -> Int64? {
        try await watcher.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") }
    }

    /// Every writer of the file is seen: this server's own writes, and other processes' through `changeToken`.
    public var seesEveryWrite: Bool { true }

    public func ping(logger: Logger) async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Runs a write, mapping constraint violations and outages to their `StoreError`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    /// A broken unique key is a duplicate, a broken foreign key a missing reference; a lock held past the busy timeout (by an import: see `withImport`) is an
    /// outage the client may retry, not a server fault.
    static func storeError(_ error: DatabaseError) -> any Error {
        error.storeError ?? error
    }
}

extension DatabaseError: StoreFaultClassifying {
    /// Each broken constraint is its own error. What the disk or the file did — full, failing, corrupt, locked past the
    /// busy timeout, made read-only — is an outage the client may retry (503), never a 500: nothing was stored.
    public var storeError: StoreError? {
        switch extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY: .duplicate
        case .SQLITE_CONSTRAINT_FOREIGNKEY: .missingReference
        case .SQLITE_CONSTRAINT: .constraintViolated(message ?? "SQLite constraint \(extendedResultCode.rawValue)")
        case .SQLITE_BUSY, .SQLITE_LOCKED: .unavailable("the database is locked by another writer")
        case .SQLITE_FULL: .unavailable("the disk is full")
        case .SQLITE_IOERR: .unavailable("the disk failed to read or write (I/O error)")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: .unavailable("the database file is corrupt")
        case .SQLITE_CANTOPEN: .unavailable("the database file cannot be opened")
        case .SQLITE_READONLY: .unavailable("the database file is read-only")
        case .SQLITE_NOMEM: .unavailable("SQLite ran out of memory")
        case .SQLITE_PROTOCOL, .SQLITE_INTERRUPT: .unavailable("the database was interrupted")
        default: nil
        }
    }
}

/// How a batch of new messages moves one conversation's summary. It keeps only what the conversation row takes from
/// them, so a bulk load can hold one for every conversation it writes.
