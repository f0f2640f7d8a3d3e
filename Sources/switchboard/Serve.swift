public import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwitchboardCore
public import SwitchboardServer
import SwitchboardStorage
import SwitchboardSetup

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HighLevel-compatible API server.")

    @Option(help: "Address to listen on (env: SWITCHBOARD_HOSTNAME; default 127.0.0.1).") var hostname: String?
    @Option(help: "Port to listen on (env: SWITCHBOARD_PORT; default 8080).") var port: Int?
    @Option(help: "SQLite file path, :memory: (kept in memory until the server stops) or postgres://… URL (env: SWITCHBOARD_DATABASE; default ./switchboard.sqlite).")
    var database: String?
    @Option(help: """
        postgres://… URL of a streaming replica of --database: page and message reads go to it once it has \
        replayed every change they depend on, and to the primary meanwhile.
        """)
    var readDatabase: String?
    @Flag(help: "Serve a SQLite file that other users can read or write (refused by default: it holds the signing keys).")
    var allowSharedFile = false
    @Option(help: """
        SQLite commits: normal (survive a crash of the process; the last ones before a power loss or OS crash may be \
        lost) or full (each reaches the disk before it is acknowledged: survives power loss; slower writes).
        """)
    var durability: SQLiteFileRules.Durability = .normal
    @Flag(help: "On a new store, also create sample conversations on every channel (turns on --control).")
    var demo = false
    @Flag(help: """
        Serve the control API under /_switchboard/ (reset, tenants, faults, request journal), guarded by the admin \
        token printed at start (env: SWITCHBOARD_ADMIN_TOKEN fixes it).
        """)
    var control = false
    @Flag(help: "Run on a test clock that POST /_switchboard/clock moves (turns on --control).") var testClock = false
    @Option(help: "Seed for --demo data and injected faults: the same seed gives the same data and faults.")
    var seed: UInt64 = 1
    @Option(help: """
        A JSON file of locations (with fixed tokens), contacts, conversations and messages, loaded at start into \
        locations the store does not have, and again after every POST /_switchboard/reset (see export-seed).
        """)
    var seedFile: String?

    @Option(help: "highlevel (100 requests per 10 s and 200,000 per day, per token and location) or off.")
    var rateLimit: RateLimitMode = .highlevel
    @Option(help: "Requests allowed per window (default 100).") var rateLimitBurst: Int?
    @Option(help: "Window length in milliseconds (default 10000).") var rateLimitWindowMs: Int?
    @Option(help: "Requests allowed per UTC day (default 200000).") var rateLimitDaily: Int?

    @Option(name: .customLong("inject-429"), help: "Probability (0-1) that an API request answers 429.")
    var inject429: Double = 0
    @Option(name: .customLong("inject-5xx"), help: "Probability (0-1) that an API request answers 503.")
    var inject5xx: Double = 0
    @Option(help: "Latency added to each API request: MS or MS-MS (uniform).") var injectLatency: String?

    @OptionGroup(title: "Webhooks") var webhooks: WebhookServeOptions
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: Logger.Level = .info
    @Option(help: "text (one readable line per entry) or json (one JSON object per line, metadata as fields).")
    var logFormat: LogFormat = .text
    @Option(help: "Seconds a keep-alive connection may stay idle.") var idleTimeout: Int = 60
    @Option(help: "Seconds before an unanswered request gets a 503 (0: no limit).") var requestTimeout: Int = 30
    @Option(help: "Seconds SIGTERM/SIGINT wait for in-flight requests.") var shutdownGrace: Int = 10
    @Option(help: "Seconds a request head may take to arrive whole, from its first byte (408 after).")
    var headerTimeout: Int = 10
    @Option(help: "Open connections allowed; more are answered 503 and closed.") var maxConnections: Int = 4_096
    @Option(
        name: .customLong("trusted-proxy"),
        help: """
            An IP address of a proxy in front of the server (repeatable): behind it, the client is the address the \
            proxy adds to X-Forwarded-For (failed authentications are counted per client).
            """)
    var trustedProxies: [String] = []
    @Option(help: "Megabytes of encoded answers kept in memory (least recently used out first; 0: none cached).")
    var cacheSize: Int = 64

    enum RateLimitMode: String, ExpressibleByArgument, CaseIterable { case highlevel, off }
    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// The seed file, or the reason it cannot be served, with its line.
    static func readSeed(_ path: String, now: Timestamp) throws -> Seed {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ValidationError("seed file \(path): cannot be read")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: Seed.maximumBytes + 1)) ?? nil
        do {
            return try Seed.parse(Array(data ?? Data()), now: now)
        } catch {
            throw ValidationError("seed file \(path): \(error)")
        }
    }

    func validate() throws {
        for (name, rate) in [("--inject-429", inject429), ("--inject-5xx", inject5xx)] where !(0...1).contains(rate) {
            throw ValidationError("\(name) must be a probability from 0 to 1")
        }
        if inject429 + inject5xx > 1 { throw ValidationError("--inject-429 and --inject-5xx add up to more than 1") }
        if let injectLatency, FaultInjection.parseLatency(injectLatency) == nil {
            throw ValidationError("--inject-latency must be MS or MS-MS, e.g. 50 or 20-200")
        }
        for (name, value) in [("--rate-limit-burst", rateLimitBurst), ("--rate-limit-window-ms", rateLimitWindowMs),
                              ("--rate-limit-daily", rateLimitDaily)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        if idleTimeout < 1 || requestTimeout < 0 || shutdownGrace < 0 || headerTimeout < 1 {
            throw ValidationError("timeouts must be positive")
        }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        if !(0...65_536).contains(cacheSize) { throw ValidationError("--cache-size must be from 0 to 65536 (megabytes)") }
        for proxy in trustedProxies where !Self.isIPAddress(proxy) {
            throw ValidationError("--trusted-proxy must be an IP address, like 127.0.0.1 or ::1 (not \(proxy))")
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(
                hostname: hostname, port: port, database: database, environment: ProcessInfo.processInfo.environment)
        } catch let error as ServerConfiguration.InvalidValue {
            throw ValidationError(error.description)
        }
        if let readDatabase {
            guard case .postgres = configuration.database else {
                throw ValidationError("--read-database needs a PostgreSQL --database (a replica of it)")
            }
            guard readDatabase.hasPrefix("postgres://") || readDatabase.hasPrefix("postgresql://") else {
                throw ValidationError("--read-database must be a postgres://… URL")
            }
            configuration.readDatabase = readDatabase
        }
        configuration.rateLimit = rateLimit == .off ? nil : RateLimitPolicy(
            burst: rateLimitBurst ?? RateLimitPolicy.highLevel.burst,
            window: rateLimitWindowMs.map { Duration.milliseconds($0) } ?? RateLimitPolicy.highLevel.window,
            daily: rateLimitDaily ?? RateLimitPolicy.highLevel.daily)
        configuration.faults.tooManyRequests = inject429
        configuration.faults.serverError = inject5xx
        configuration.faults.latency = injectLatency.flatMap(FaultInjection.parseLatency)
        configuration.faults.seed = seed
        configuration.idleTimeout = Duration.seconds(idleTimeout)
        configuration.requestTimeout = Duration.seconds(requestTimeout)
        configuration.shutdownGracePeriod = Duration.seconds(shutdownGrace)
        configuration.headerTimeout = Duration.seconds(headerTimeout)
        configuration.maximumConnections = maxConnections
        configuration.responseCacheBytes = cacheSize << 20
        configuration.trustedProxies = Set(trustedProxies)
        if cacheSize == 0 { configuration.cacheResponses = false }
        configuration.sqliteFile = SQLiteFileRules(allowShared: allowSharedFile, durability: durability)
        webhooks.apply(to: &configuration.webhooks)
        if let seedFile { configuration.seed = try Self.readSeed(seedFile, now: configuration.now()) }
        if control || testClock || demo {
            do {
                configuration.control = ControlConfiguration(
                    adminToken: try ControlConfiguration.adminToken(environment: ProcessInfo.processInfo.environment),
                    testClock: testClock ? TestClock() : nil)
            } catch let error as ServerConfiguration.InvalidValue {
                throw ValidationError(error.description)
            }
        }
        let (level, format) = (logLevel, logFormat)
        configuration.accessLog = AccessLog(format == .json ? .json(.standardError) : .text(.standardError))
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, logLevel: level)
            case .text:
                return TextLogHandler(label: label, logLevel: level)
            }
        }
        let logger = Logger(label: "switchboard")
        let announcement = StartAnnouncement(configuration: configuration, demo: demo, seed: seed)
        let newFile = configuration.database.sqliteFileToBeMade
        let app = try await buildApplication(configuration: configuration, logger: logger) { store, port in
            do {
                try await announcement.print(store: store, port: port, logger: logger)
            } catch {
                // The server listens but its first start could not be written: stop rather than serve a store
                // nobody has a token for.
                LogWriter.standardError.flush()
                Output.error("Error: the store could not be prepared: \(error)")
                Foundation.exit(1)
            }
        }
        // Log lines are queued for a writer thread: whatever is queued goes out before the process ends.
        defer { LogWriter.standardError.flush() }
        do {
            try await runUntilSignalled(app, configuration: configuration, logger: logger)
        } catch {
            let explained = StartAnnouncement.explained(error, configuration: configuration)
            // It could not listen: the database this start made (empty, migrated) goes with it.
            if explained is CommandFailure, let newFile { removeSQLiteStore(at: newFile) }
            throw explained
        }
    }
}

extension SQLiteFileRules.Durability: ExpressibleByArgument {}
