import Foundation
public import Logging
public import PostgresNIO
public import ServiceLifecycle
public import SwitchboardCore
public import SwitchboardStorage

/// The scale-out backend: PostgreSQL through a postgres-nio `PostgresClient` (a connection pool).
///
/// It returns exactly what `SQLiteConversationStore` returns for the same calls. The store is a ServiceLifecycle
/// service and every query waits until `run()` is running: the owner runs it (as an application service, or in a
/// task group), then calls `migrate(logger:)`. `run()` also replaces the pool when it stops reaching the database
/// while the database can be reached (`RenewablePostgresClient`).
public final class PostgresConversationStore: ConversationStore, Service {
    let pool: RenewablePostgresClient
    /// How long an operation waits for a pooled connection before reporting `StoreError.unavailable`.
    let connectionTimeout: Duration
    /// The server's limit on one statement (zero: none); it also bounds an operation's work (`workBound`).
    let statementTimeout: Duration
    /// How the signing keys' secrets are kept (see `SigningKeySeal`).
    let keySeal: SigningKeySeal
    /// This process's name on the event relay's channel, so it skips its own notifications.
    let relayOrigin = UUID().uuidString
    /// The event relay's LISTEN connection: a pool of one of its own, so it never holds one of the store's.
    let listenerConfiguration: PostgresClient.Configuration
    /// The streaming replica that answers page and message reads, when there is one (`serve --read-database`).
    public let readReplica: PostgresReadReplica?

    /// Creates the store's pool from `options`; `run()` it before using the store.
    /// `keySeal`: how the signing keys' secrets are kept; every instance on one database needs the same.
    /// `readReplica`: a streaming replica of the same database, for page and message reads.
    public init(
        options: PostgresOptions, backgroundLogger: Logger, keySeal: SigningKeySeal = .plain,
        readReplica: PostgresOptions? = nil
    ) {
        self.keySeal = keySeal
        self.readReplica = readReplica.map { PostgresReadReplica(options: $0, backgroundLogger: backgroundLogger) }
        connectionTimeout = options.connectionTimeout
        statementTimeout = options.statementTimeout
        var listener = options
        listener.maximumConnections = 1
        listenerConfiguration = listener.clientConfiguration
        pool = RenewablePostgresClient(options: options, logger: backgroundLogger)
    }

    /// The connection pool in use now (it changes when `run()` replaces it).
    public var client: PostgresClient { pool.current.client }

    /// Runs the connection pool (and the read replica's, with its monitor) until cancelled or until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.pool.run() }
                if let readReplica = self.readReplica {
                    group.addTask { await readReplica.run(primaryPosition: { try await self.primaryPosition(logger: $0) }) }
                }
            }
        }
    }

    // MARK: Locations and tokens

    public func createLocation(_ location: Location, logger: Logger) async throws {
        try await execute(
            "createLocation",
            """
            INSERT INTO locations (id, name, date_added)
            VALUES (\(location.id.rawValue), \(location.name), \(location.dateAdded.rawValue))
            """, logger: logger)
    }

    public func location(_ id: LocationID, logger: Logger) async throws -> Location? {
        try await fetch(
            "location", "SELECT \(unescaped: Columns.location) FROM locations WHERE id = \(id.rawValue)",
            logger: logger, Decode.location
        ).first
    }

    public func locations(logger: Logger) async throws -> [Location] {
        try await fetch(
            "locations", "SELECT \(unescaped: Columns.location) FROM locations ORDER BY date_added, id",
            logger: logger, Decode.location)
    }

    public func createToken(_ token: StoredToken, logger: Logger) async throws {
        try await execute(
            "createToken",
            """
            INSERT INTO tokens (\(unescaped: Columns.token))
            VALUES (\(token.locationId.rawValue), \(token.id), \(token.hash.rawValue), \(token.name),
                \(token.scopeList), \(token.createdAt.rawValue), \(token.revokedAt?.rawValue))
            """, logger: logger)
    }

    public func tokens(in location: LocationID?, logger: Logger) async throws -> [StoredToken] {
        let location = location?.rawValue
        return try await fetch(
            "tokens",
            """
            SELECT \(unescaped: Columns.token) FROM tokens
            WHERE (\(location)::text IS NULL OR location_id = \(location))
            ORDER BY created_at, id
            """, logger: logger, Decode.token)
    }

    public func revokeToken(idOrHash: String, at time: Timestamp, logger: Logger) async throws -> Bool {
        let revoked = try await fetch(
            "revokeToken",
            """
            UPDATE tokens SET revoked_at = \(time.rawValue)
            WHERE (id = \(idOrHash) OR token_hash = \(idOrHash)) AND revoked_at IS NULL
            RETURNING 1
            """, logger: logger) { _ in true }
        return !revoked.isEmpty
    }

    public func activeToken(hash: TokenHash, logger: Logger) async throws -> StoredToken? {
        try await fetch(
            "activeToken",
            "SELECT \(unescaped: Columns.token) FROM tokens WHERE token_hash = \(hash.rawValue) AND revoked_at IS NULL",
            logger: logger, Decode.token
        ).first
    }

    // MARK: Contacts

    public func createContact(_ contact: Contact, logger: Logger) async throws {
        try await execute(
            "createContact",
            """
            INSERT INTO contacts (\(unescaped: Columns.contact))
            VALUES (\(contact.locationId.rawValue), \(contact.id.rawValue), \(contact.firstName), \(contact.lastName),
                \(contact.name), \(contact.email), \(contact.phone), \(contact.companyName),
                \(contact.dateAdded.rawValue), \(contact.dateUpdated.rawValue), \(StringListColumn.encode(contact.tags)),
                \(contact.dnd), \(DndSettingsColumn.encode(contact.dndSettings)))
            """, logger: logger)
    }

    public func createMissing(locations: [Location], contacts: [Contact], logger: Logger) async throws {
        guard !locations.isEmpty || !contacts.isEmpty else { return }
        let statements = Self.createMissingStatements(locations: locations, contacts: contacts)
        try await run("createMissing", logger: logger, retries: 2, statements: 2 + statements.count) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                for statement in statements { try await connection.query(statement, logger: logger) }
            }
        }
    }

    /// The statements that create the locations and contacts that do not exist yet.
    static func createMissingStatements(locations: [Location], contacts: [Contact]) -> [PostgresQuery] {
        let locationStatements = locations.chunked(Self.insertBatchSize).map { batch -> PostgresQuery in
            """
            INSERT INTO locations (id, name, date_added)
            SELECT * FROM unnest(\(batch.map(\.id.rawValue))::text[], \(batch.map(\.name))::text[],
                \(batch.map(\.dateAdded.rawValue))::int8[])
            ON CONFLICT (id) DO NOTHING
            """
        }
        let contactStatements = contacts.chunked(Self.insertBatchSize).map { batch -> PostgresQuery in
            """
            INSERT INTO contacts (\(unescaped: Columns.contact))
            SELECT * FROM unnest(\(batch.map(\.locationId.rawValue))::text[], \(batch.map(\.id.rawValue))::text[],
                \(NullableArray(batch.map(\.firstName)))::text[], \(NullableArray(batch.map(\.lastName)))::text[],
                \(NullableArray(batch.map(\.name)))::text[], \(NullableArray(batch.map(\.email)))::text[],
                \(NullableArray(batch.map(\.phone)))::text[], \(NullableArray(batch.map(\.companyName)))::text[],
                \(batch.map(\.dateAdded.rawValue))::int8[], \(batch.map(\.dateUpdated.rawValue))::int8[],
                \(batch.map { StringListColumn.encode($0.tags) })::text[], \(batch.map(\.dnd))::bool[],
                \(NullableArray(batch.map { DndSettingsColumn.encode($0.dndSettings) }))::text[])
            ON CONFLICT (location_id, id) DO NOTHING
            """
        }
        return locationStatements + contactStatements
    }

    public func contact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> Contact? {
        try await fetch(
            "contact",
            """
            SELECT \(unescaped: Columns.contact) FROM contacts
            WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
            """, logger: logger, Decode.contact
        ).first
    }

    public func deleteContact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> [ConversationID]? {
        // A contact has one conversation per location: 2 + 5 + 3 statements.
        try await run("deleteContact", logger: logger, retries: 2, statements: 10) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                let conversations = try await connection.fetch(
                    """
                    SELECT id FROM conversations WHERE location_id = \(location.rawValue) AND contact_id = \(id.rawValue)
                    FOR UPDATE
                    """, logger: logger
                ) { ConversationID(rawValue: try $0.decode(String.self)) }
                for conversation in conversations {
                    _ = try await Self.deleteConversationRows(conversation, in: location, on: connection, logger: logger)
                }
                try await connection.query(
                    """
                    DELETE FROM subscription_choices
                    WHERE location_id = \(location.rawValue) AND contact_id = \(id.rawValue)
                    """, logger: logger)
                let deleted = try await connection.fetch(
                    "DELETE FROM contacts WHERE location_id = \(location.rawValue) AND id = \(id.rawValue) RETURNING 1",
                    logger: logger
                ) { _ in true }
                return deleted.isEmpty ? nil : conversations
            }
        }
    }

    public func listContacts(_ query: ContactQuery, logger: Logger) async throws -> (contacts: [Contact], total: Int) {
        // Built with numbered placeholders, as the filters vary. One statement, so the count and the page agree: the
        // count on every row, and one row of NULLs (the left join's) when the page is empty. lower() under
        // COLLATE "C" lowers ASCII letters, as SQLite's does.
        var binds = PostgresBindings()
        func placeholder(_ value: String) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions = ["location_id = \(placeholder(query.location.rawValue))"]
        if let text = query.text {
            let needle = placeholder(text)
            let fields = ["name", "first_name", "last_name", "email", "phone", "company_name"]
            conditions.append(
                "(" + fields.map { "strpos(lower(COALESCE(\($0), '')), lower(\(needle))) > 0" }.joined(separator: " OR ") + ")")
        }
        for filter in query.filters {
            let value = filter.operator.takesValue ? placeholder(filter.value) : ""
            conditions.append(ContactFilterSQL.condition(
                filter, placeholder: value, position: "strpos",
                tagElements: "json_array_elements_text(contacts.tags::json) AS tag(value)"))
        }
        var pageCondition = "true"
        if let after = query.after {
            binds.append(after.date.rawValue)
            let date = "$\(binds.count)"
            pageCondition = "(date_added, id) > (\(date)::bigint, \(placeholder(after.id.rawValue))::text)"
        }
        binds.append(query.limit)
        let limit = "$\(binds.count)"
        binds.append(query.offset)
        let offset = "$\(binds.count)"
        let sql = """
            WITH matching AS (
                SELECT \(Columns.contact) FROM contacts WHERE \(conditions.joined(separator: " AND "))
            )
            SELECT (SELECT count(*) FROM matching), page.* FROM (SELECT 1) one
            LEFT JOIN LATERAL (
                SELECT * FROM matching WHERE \(pageCondition) ORDER BY date_added, id LIMIT \(limit) OFFSET \(offset)
            ) page ON true
            """
        let rows = try await fetch("listContacts", PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            row -> (Int, Contact?) in
            var reader = RowReader(row)
            let total = try reader.next(Int.self)
            return (total, try StoredRow.optionalContact(&reader))
        }
        return (rows.compactMap(\.1), rows.first?.0 ?? 0)
    }

    public func locationOfContact(_ id: ContactID, logger: Logger) async throws -> LocationID? {
        try await locationHolding(id.rawValue, in: "contacts", logger: logger)
    }

    /// Which location's rows of `table` (keyed by location, then id) hold `id`: a seek per location.
    func locationHolding(_ id: String, in table: String, logger: Logger) async throws -> LocationID? {
        try await fetch(
            "locationHolding(\(table))",
            """
            SELECT l.id FROM locations l
            WHERE EXISTS (SELECT 1 FROM \(unescaped: table) t WHERE t.location_id = l.id AND t.id = \(id)) LIMIT 1
            """, logger: logger
        ) { row in LocationID(rawValue: try row.decode(String.self)) }.first
    }

    public func findContact(email: String?, phone: String?, in location: LocationID, logger: Logger) async throws
        -> Contact?
    {
        // lower() under "C" folds ASCII only, which is what SQLite's NOCASE does.
        if let email,
            let contact = try await fetch(
                "findContact",
                """
                SELECT \(unescaped: Columns.contact) FROM contacts
                WHERE location_id = \(location.rawValue) AND lower(email) = lower(\(email)::text COLLATE "C")
                ORDER BY date_added, id LIMIT 1
                """, logger: logger, Decode.contact
            ).first
        {
            return contact
        }
        if let phone {
            return try await fetch(
                "findContact",
                """
                SELECT \(unescaped: Columns.contact) FROM contacts
                WHERE location_id = \(location.rawValue) AND phone = \(phone)
                ORDER BY date_added, id LIMIT 1
                """, logger: logger, Decode.contact
            ).first
        }
        return nil
    }

    public func updateContact(_ contact: Contact, logger: Logger) async throws {
        try await execute(
            "updateContact",
            """
            UPDATE contacts SET first_name = \(contact.firstName), last_name = \(contact.lastName),
                name = \(contact.name), email = \(contact.email), phone = \(contact.phone),
                company_name = \(contact.companyName), date_updated = \(contact.dateUpdated.rawValue),
                tags = \(StringListColumn.encode(contact.tags)), dnd = \(contact.dnd),
                dnd_settings = \(DndSettingsColumn.encode(contact.dndSettings))
            WHERE location_id = \(contact.locationId.rawValue) AND id = \(contact.id.rawValue)
            """, logger: logger)
    }

    public func ping(logger: Logger) async throws {
        _ = try await fetch("ping", "SELECT 1", logger: logger) { _ in true }
    }

    // MARK: Helpers

    /// Runs one statement and discards its rows.
    func execute(_ operation: String, _ query: PostgresQuery, logger: Logger) async throws {
        try await run(operation, logger: logger) { connection in
            _ = try await connection.query(query, logger: logger)
        }
    }

    /// Runs one statement and maps every row.
    func fetch<T: Sendable>(
        _ operation: String, _ query: PostgresQuery, logger: Logger,
        _ transform: @escaping @Sendable (PostgresRow) throws -> T
    ) async throws -> [T] {
        try await run(operation, logger: logger) { connection in
            try await connection.fetch(query, logger: logger, transform)
        }
    }

    /// SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses one, and reads NULL that way.
    static func limit(_ value: Int) -> Int? { value < 0 ? nil : value }
}

extension PostgresConnection {
    /// Runs `body` in a read-only transaction with one snapshot for all its statements, so a count and the page
    /// it counts agree, as they do in SQLite's read transactions.
    func withSnapshot<T: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withTransaction(logger: logger) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }

    /// Runs one statement and maps every row.
    func fetch<T>(_ query: PostgresQuery, logger: Logger, _ transform: (PostgresRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in try await self.query(query, logger: logger) {
            result.append(try transform(row))
        }
        return result
    }
}
