import Foundation
public import SwitchboardCore
public import SwitchboardStorage
public import SwitchboardSetup

/// Everything `switchboard serve` can be told, resolved from flags, then environment, then defaults.
public struct ServerConfiguration: Sendable {
    public enum Database: Sendable, Hashable {
        case sqlite(path: String)
        case postgres(url: String)

        /// `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path.
        public init(_ value: String) {
            if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
                self = .postgres(url: value)
            } else {
                self = .sqlite(path: value)
            }
        }

        /// The SQLite file this names when it is not there yet, so that opening the store would make it; nil for
        /// PostgreSQL, `:memory:` and a file that exists.
        public var sqliteFileToBeMade: String? {
            guard case .sqlite(let path) = self, path != ":memory:", !FileManager.default.fileExists(atPath: path)
            else { return nil }
            return path
        }
    }

    public static let defaultHostname = "127.0.0.1"
    public static let defaultPort = 8080
    public static let defaultDatabasePath = "./switchboard.sqlite"
    /// The cap on request bodies; larger ones answer 413.
    public static let maximumBodySize = 1 << 20
    /// One header line, and all of them together; a request beyond either is refused and its connection closed.
    public static let maximumHeaderFieldSize = 16 << 10
    public static let maximumHeaderListSize = 64 << 10
    public static let maximumHeaderFieldCount = 100

    /// The environment variables behind the flags, named in this one place.
    public enum EnvironmentKey {
        public static let hostname = "SWITCHBOARD_HOSTNAME"
        public static let port = "SWITCHBOARD_PORT"
        public static let database = "SWITCHBOARD_DATABASE"
        /// A file holding the database URL, so a password is in neither argv nor the environment.
        public static let databaseFile = "SWITCHBOARD_DATABASE_FILE"
        /// The secret the signing keys are sealed under (see `SigningKeySeal`); instead of a SQLite key file.
        public static let secretKey = "SWITCHBOARD_SECRET_KEY"
    }

    public var hostname: String
    public var port: Int
    public var database: Database
    /// A streaming replica of the PostgreSQL database (`--read-database`), for page and message reads.
    public var readDatabase: String?
    /// HighLevel's rate limits, or nil for none (`--rate-limit off`).
    public var rateLimit: RateLimitPolicy? = .highLevel
    /// Faults injected into API responses (off by default).
    public var faults = FaultInjection()
    /// A keep-alive connection with no request for this long is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// A request not answered within this time gets a 503 (0 disables the limit).
    public var requestTimeout: Duration = .seconds(30)
    /// Keep encoded message pages until a write touches their conversation. Only where every write can be seen:
    /// off on PostgreSQL, where other instances write too.
    public var cacheResponses = true
    /// The bytes the encoded-answer cache may hold (`--cache-size`); least recently used answers go first.
    public var responseCacheBytes = 64 << 20
    /// Failed authentications allowed per client address and window; past them the address is answered 429.
    public var authenticationFailures = AuthenticationFailurePolicy()
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    public var trustedProxies: Set<String> = []
    /// A request head must arrive whole within this time of its first byte (`--header-timeout`); slower heads are
    /// answered 408 and their connection closed.
    public var headerTimeout: Duration = .seconds(10)
    /// Open connections beyond this are answered 503 and closed at once (`--max-connections`).
    public var maximumConnections = 4_096
    /// How a SQLite file is opened (`--allow-shared-file`, `--durability`).
    public var sqliteFile = SQLiteFileRules()
    /// The secret the signing keys are sealed under (`SWITCHBOARD_SECRET_KEY`); nil: a SQLite database's key file,
    /// and no sealing on PostgreSQL.
    public var secretKey: String?
    /// How long SIGTERM/SIGINT wait for in-flight requests before the process stops anyway.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Where the access log's lines go (`serve` writes them straight to stderr's `LogWriter`; the default hands
    /// them to the request's logger).
    public var accessLog = AccessLog()
    /// How this server delivers webhooks (it always writes their events to the outbox).
    public var webhooks = WebhookDeliveryConfiguration()
    /// The control API (`/_switchboard/…`), off when nil. Its test clock, when on, replaces `now`.
    public var control: ControlConfiguration?
    /// `--seed-file`: loaded at start into locations the store does not have yet, and again after every reset.
    public var seed: Seed?
    /// The clock every write stamps; tests replace it.
    public var now: @Sendable () -> Timestamp

    public init(
        hostname: String = ServerConfiguration.defaultHostname, port: Int = ServerConfiguration.defaultPort,
        database: Database = .sqlite(path: ServerConfiguration.defaultDatabasePath),
        now: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) {
        self.hostname = hostname
        self.port = port
        self.database = database
        self.now = now
    }

    public struct InvalidValue: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Flag, then environment variable, then default. Pure, so it can be tested with a dictionary.
    public static func resolve(
        hostname: String?, port: Int?, database: String?, environment: [String: String]
    ) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.hostname = hostname ?? environment[EnvironmentKey.hostname] ?? defaultHostname
        if let port {
            configuration.port = port
        } else if let raw = environment[EnvironmentKey.port] {
            guard let parsed = Int(raw) else {
                throw InvalidValue(description: "\(EnvironmentKey.port) must be a port number, not '\(raw)'")
            }
            configuration.port = parsed
        }
        guard (0...65535).contains(configuration.port) else {
            throw InvalidValue(description: "port must be between 0 and 65535, not \(configuration.port)")
        }
        configuration.database = try resolveDatabase(database, environment: environment)
        configuration.secretKey = try resolveSecretKey(environment: environment)
        return configuration
    }

    /// `SWITCHBOARD_SECRET_KEY`, when set: at least 32 characters, since everything signed rests on it.
    public static func resolveSecretKey(environment: [String: String]) throws -> String? {
        guard let value = environment[EnvironmentKey.secretKey] else { return nil }
        guard value.utf8.count >= 32 else {
            throw InvalidValue(description: "\(EnvironmentKey.secretKey) must be at least 32 characters (e.g. `openssl rand -base64 32`)")
        }
        return value
    }

    /// `--database`, then `SWITCHBOARD_DATABASE`, then the first line of the file `SWITCHBOARD_DATABASE_FILE` names,
    /// then the default: the one rule every command that opens the store follows.
    public static func resolveDatabase(_ flag: String?, environment: [String: String]) throws -> Database {
        if let value = flag ?? environment[EnvironmentKey.database] { return Database(value) }
        if let path = environment[EnvironmentKey.databaseFile] {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw InvalidValue(description: "\(EnvironmentKey.databaseFile): cannot read \(path)")
            }
            let line = String(decoding: contents, as: UTF8.self).split(whereSeparator: \.isNewline).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !line.isEmpty else { throw InvalidValue(description: "\(EnvironmentKey.databaseFile): \(path) is empty") }
            return Database(line)
        }
        return Database(defaultDatabasePath)
    }
}

/// The rules a SQLite database file is opened by (see `SQLiteFile`).
public struct SQLiteFileRules: Sendable, Hashable {
    /// Serve a file that other users can read or write (refused by default: it holds every location's data and
    /// the signing keys).
    public var allowShared = false
    /// `normal`: commits survive a crash of the process; `full`: they survive power loss too.
    public var durability = Durability.normal

    public enum Durability: String, Sendable, Hashable, CaseIterable {
        case full, normal
    }

    public init(allowShared: Bool = false, durability: Durability = .normal) {
        self.allowShared = allowShared
        self.durability = durability
    }
}
