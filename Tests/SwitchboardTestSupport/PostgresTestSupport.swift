import Foundation
public import Logging
import PostgresNIO
public import SwitchboardPostgres
public import SwitchboardStorage

/// Why a PostgreSQL test could not get a database.
public struct PostgresTestSetupError: Error, CustomStringConvertible {
    public var description: String
}

/// The test cluster's options, from `SWITCHBOARD_TEST_POSTGRES_URL` (`scripts/test.sh` sources `scripts/postgres.sh`,
/// which starts a cluster and exports it). Missing is an error, never a skip.
public func postgresTestOptions() throws -> PostgresOptions {
    guard let url = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"], !url.isEmpty else {
        throw PostgresTestSetupError(
            description: """
                SWITCHBOARD_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh, or \
                `source scripts/postgres.sh` first (it starts a throwaway PostgreSQL cluster and exports the URL)
                """)
    }
    var options = try PostgresOptions(url: url)
    // Many tests run at once, each with its own store: small pools, opened as needed (a hundred fixed pools
    // opening at once would exhaust the cluster's connections).
    options.maximumConnections = 4
    options.fixedSizePool = false
    return options
}

/// Runs `body` with an empty, migrated PostgreSQL store in a schema of its own, and drops the schema afterwards.
///
/// The client runs in a task group around the body, as postgres-nio's own tests do; its `search_path` is the new
/// schema, so the store's unqualified table names land there and parallel tests never meet.
public func withPostgresStore<T: Sendable>(
    logger: Logger = Logger(label: "switchboard.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() }),
    keySeal: SigningKeySeal = .plain, _ body: @Sendable (PostgresConversationStore) async throws -> T
) async throws -> T {
    var options = try postgresTestOptions()
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    options.searchPath = schema
    let store = PostgresConversationStore(options: options, backgroundLogger: logger, keySeal: keySeal)
    return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
        group.addTask { try await store.run() }
        defer { group.cancelAll() }
        // Fails within the connection timeout, rather than the pool's minute, when the cluster is down.
        try await store.ping(logger: logger)
        // The schema name is ours, made of [0-9a-z_]: safe as an identifier.
        try await store.client.query("CREATE SCHEMA \(unescaped: schema)", logger: logger)
        do {
            try await store.migrate(logger: logger)
            let result = try await body(store)
            try await store.client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger)
            return result
        } catch {
            _ = try? await store.client.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger)
            throw error
        }
    }
}

