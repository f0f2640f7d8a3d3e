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
/// Its `search_path` is the new schema, so the store's unqualified table names land there and parallel tests never
/// meet. The client runs in a task of its own, stopped afterwards and waited for at most ten seconds: a pool that
/// does not stop is reported on standard error instead of holding the whole test run (once, under a loaded phase,
/// a test's store never came back from cancellation and the phase sat idle until its timeout).
public func withPostgresStore<T: Sendable>(
    logger: Logger = Logger(label: "switchboard.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() }),
    keySeal: SigningKeySeal = .plain, _ body: @Sendable (PostgresConversationStore) async throws -> T
) async throws -> T {
    var options = try postgresTestOptions()
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    options.searchPath = schema
    let store = PostgresConversationStore(options: options, backgroundLogger: logger, keySeal: keySeal)
    let running = Task { try await store.run() }
    defer { stop(running, schema: schema) }
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

/// Cancels a test store's client and, off the test's path, says so if it has not stopped within ten seconds.
private func stop(_ running: Task<Void, any Error>, schema: String) {
    running.cancel()
    let stopped = Locked(false)
    Task {
        _ = await running.result
        stopped.withLock { $0 = true }
    }
    Task {
        try? await Task.sleep(for: .seconds(10))
        if !stopped.withLock({ $0 }) {
            FileHandle.standardError.write(
                Data("withPostgresStore: the client of schema \(schema) had not stopped 10 s after cancellation\n".utf8))
        }
    }
}
