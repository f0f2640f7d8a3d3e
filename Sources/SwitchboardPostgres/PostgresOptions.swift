import SwitchboardCore
public import PostgresNIO

/// How to reach a PostgreSQL database, and the limits the store works within.
///
/// Built from a URL (`PostgresOptions(url:)`) or field by field; `clientConfiguration` turns it into the
/// configuration a `PostgresClient` is created with.
public struct PostgresOptions: Sendable, Hashable {
    /// libpq's `sslmode` values, mapped onto postgres-nio's TLS modes.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable
        /// `allow` and `prefer`: TLS when the server offers it, without verifying the certificate.
        case prefer
        /// Encrypted, certificate not verified (libpq's `require`).
        case require
        /// Encrypted, certificate chain verified, host name not.
        case verifyCA = "verify-ca"
        /// Encrypted, certificate chain and host name verified.
        case verifyFull = "verify-full"
    }

    public static let defaultPort = 5432
    public static let defaultMaximumConnections = 20
    public static let defaultStatementTimeout: Duration = .seconds(5)
    public static let defaultConnectionTimeout: Duration = .seconds(5)

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    /// nil: the server's default (the user's name).
    public var database: String?
    public var tls: TLSMode
    /// The pool's size: it opens this many connections at start and keeps them.
    public var maximumConnections: Int
    /// Sent as the `statement_timeout` startup parameter: the server cancels any statement running longer.
    public var statementTimeout: Duration
    /// How long an operation may wait for a connection (TCP connect, or a free one from the pool) before the
    /// store reports `StoreError.unavailable`.
    public var connectionTimeout: Duration
    /// Sent as the `search_path` startup parameter when set (tests give each store its own schema).
    public var searchPath: String?
    /// Sent as `application_name`: how an operator tells the instances' connections apart in `pg_stat_activity`.
    public var applicationName = "switchboard"
    /// Whether the pool opens all its connections at start and keeps them (the default, and the only setting
    /// whose memory stays flat under load: see `clientConfiguration`), or opens them as needed and closes idle
    /// ones after a minute (test suites, which run many small stores at once against one cluster).
    public var fixedSizePool = true

    public init(
        host: String, port: Int = PostgresOptions.defaultPort, username: String, password: String? = nil,
        database: String? = nil, tls: TLSMode? = nil,
        maximumConnections: Int = PostgresOptions.defaultMaximumConnections,
        statementTimeout: Duration = PostgresOptions.defaultStatementTimeout,
        connectionTimeout: Duration = PostgresOptions.defaultConnectionTimeout, searchPath: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        // Off the machine, a password and every message cross the network: encrypted unless the URL says otherwise
        // (libpq's `prefer` would silently fall back to plain text when the server offers no TLS).
        self.tls = tls ?? (Self.isLoopback(host) ? .disable : .require)
        self.maximumConnections = maximumConnections
        self.statementTimeout = statementTimeout
        self.connectionTimeout = connectionTimeout
        self.searchPath = searchPath
    }

    /// Whether `host` names this machine: TLS buys nothing there, so it is off unless asked for; anywhere else it is
    /// required unless the URL's `sslmode` says otherwise.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered.hasPrefix("127.")
    }

    /// The configuration to create the `PostgresClient` with.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: clientTLS)
        configuration.options.maximumConnections = max(1, maximumConnections)
        // No pool timers. postgres-nio's pool starts a keep-alive (30 s) and an idle-timeout (60 s) timer each
        // time a connection goes idle and cancels them when it is leased again, which under load is nearly every
        // query. A cancelled `ContinuousClock.sleep` keeps its memory until its deadline (see TimerSleep), so RSS
        // grew ~1.5 KB per query until a minute's worth piled up: hundreds of MB at a few thousand requests/s
        // (measured). A connection below `minimumConnections` gets no idle timer, and none gets a keep-alive timer
        // without a keep-alive; so the pool opens every connection up front and keeps it (a fixed-size pool), and
        // a connection the network dropped is found by the next query on it, which fails as `unavailable` and
        // lets the store replace the pool if the database is reachable (RenewablePostgresClient).
        if fixedSizePool {
            configuration.options.minimumConnections = configuration.options.maximumConnections
            configuration.options.keepAliveBehavior = nil
        }
        configuration.options.connectTimeout = connectionTimeout
        var parameters = [
            ("statement_timeout", "\(Self.milliseconds(statementTimeout))"), ("application_name", applicationName),
        ]
        if let searchPath { parameters.append(("search_path", searchPath)) }
        configuration.options.additionalStartupParameters = parameters
        return configuration
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable:
            return .disable
        case .prefer:
            tlsConfiguration.certificateVerification = .none
            return .prefer(tlsConfiguration)
        case .require:
            tlsConfiguration.certificateVerification = .none
            return .require(tlsConfiguration)
        case .verifyCA:
            tlsConfiguration.certificateVerification = .noHostnameVerification
            return .require(tlsConfiguration)
        case .verifyFull:
            tlsConfiguration.certificateVerification = .fullVerification
            return .require(tlsConfiguration)
        }
    }

    /// Whole milliseconds, at least 0 (0 turns PostgreSQL's statement timeout off).
    static func milliseconds(_ duration: Duration) -> Int64 {
        max(0, duration.wholeMilliseconds)
    }
}

extension PostgresOptions: CustomStringConvertible {
    /// The URL form with the password masked, safe to log.
    public var description: String {
        let credentials = password == nil ? username : username + ":***"
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "postgres://\(credentials)@\(hostPart):\(port)/\(database ?? "")?sslmode=\(tls.rawValue)"
    }
}
