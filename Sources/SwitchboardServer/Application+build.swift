public import Hummingbird
import HummingbirdCore
public import Logging
public import ServiceLifecycle
import UnixSignals
import NIOCore
import SwitchboardCore
import PostgresNIO
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardSetup
public import SwitchboardStorage

/// Builds the server for a configuration: opens the store it names and wires every route.
/// `whenListening` runs once the server has bound its address, with the store and the port bound (the one asked
/// for, or the one the system chose for port 0): first-start set-up and what `serve` prints happen there, so a
/// server that cannot bind creates and prints nothing.
public func buildApplication(
    configuration: ServerConfiguration, logger: Logger,
    whenListening: @escaping @Sendable (any ConversationStore, _ port: Int) async -> Void = { _, _ in }
) async throws -> some ApplicationProtocol {
    switch configuration.database {
    case .sqlite(let path):
        let store = try openSQLite(
            path, rules: configuration.sqliteFile, secretKey: configuration.secretKey, checkIntegrity: true,
            migrating: false)
        // The schema is brought up to date beside the router's construction (a new in-memory store's is 7 ms of its
        // start); the server waits for it before it listens.
        let migration = Task.detached { try store.migrate() }
        return buildApplication(
            store: store, configuration: configuration, migrate: { try await migration.value }, logger: logger,
            whenListening: { await whenListening(store, $0) })
    case .postgres(let url):
        if configuration.secretKey == nil {
            logger.warning(
                "signing keys are stored unsealed in PostgreSQL: set SWITCHBOARD_SECRET_KEY, the same on every instance")
        }
        let store = PostgresConversationStore(
            options: try postgresOptions(url), backgroundLogger: logger, keySeal: seal(configuration.secretKey),
            readReplica: try configuration.readDatabase.map(postgresOptions))
        // The client runs as a service by the time migrations run; the advisory lock makes concurrent starts safe.
        return buildApplication(
            store: store, configuration: configuration, services: [store],
            sharedDatabase: SharedDatabase(store, replica: store.readReplica),
            migrate: {
                try await store.migrate(logger: logger)
                try await store.checkReadReplica(logger: logger)
            }, logger: logger,
            whenListening: { await whenListening(store, $0) })
    }
}

/// A SQLite store opened by `rules`; a server also checks the file's integrity before it serves from it, and
/// migrates the schema itself (`migrating: false`).
/// The signing keys are sealed under `secretKey` when there is one, else under the key file beside the database.
private func openSQLite(
    _ path: String, rules: SQLiteFileRules, secretKey: String?, checkIntegrity: Bool, migrating: Bool = true
) throws -> SQLiteConversationStore {
    // What the path is wrong for comes first: a missing folder is not a sharing problem.
    try SQLiteFile.refuseIfUnusable(path)
    if !rules.allowShared { try SQLiteFile.refuseIfShared(path) }
    let durability: SQLiteFile.Durability = switch rules.durability {
    case .full: .full
    case .normal: .normal
    }
    let keySeal = try secretKey.map { SigningKeySeal(secret: Array($0.utf8)) }
        ?? SQLiteFile.keyFileSecret(beside: path, allowShared: rules.allowShared).map { SigningKeySeal(secret: $0) }
        ?? .plain
    return try SQLiteConversationStore(
        path: path, durability: durability, checkIntegrity: checkIntegrity, keySeal: keySeal, migrating: migrating)
}

private func seal(_ secretKey: String?) -> SigningKeySeal {
    secretKey.map { SigningKeySeal(secret: Array($0.utf8)) } ?? .plain
}

private func postgresOptions(_ url: String) throws -> PostgresOptions {
    do {
        return try PostgresOptions(url: url)
    } catch {
        throw ServerConfiguration.InvalidValue(description: error.description)
    }
}

/// Builds the server on a store that is already open (tests call this directly).
public func buildApplication<Store: ConversationStore>(
    store: Store, configuration: ServerConfiguration, metrics: ServerMetrics = ServerMetrics(),
    services: [any Service] = [], sharedDatabase: SharedDatabase? = nil,
    migrate: (@Sendable () async throws -> Void)? = nil, logger: Logger,
    whenListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> Application<RouterResponder<AppRequestContext>> {
    var configuration = configuration
    // A store written by others unseen (other instances on one database) keeps answers fresh only by hearing
    // their writes through a change feed; without one, none is cached.
    if !store.seesEveryWrite && sharedDatabase == nil { configuration.cacheResponses = false }
    if let clock = configuration.control?.testClock { configuration.now = clock.now }
    let relayQueue = sharedDatabase.map { _ in
        AsyncStream.makeStream(of: [WebhookEvent].self, bufferingPolicy: .bufferingNewest(EventRelayService<Store>.queuedBatches))
    }
    let shared = SharedState(
        store: store, configuration: configuration, metrics: metrics, relay: relayQueue?.continuation,
        sharedDatabase: sharedDatabase, logger: logger)
    let cache = shared.cache
    let router = buildRouter(
        store: InstrumentedStore(base: store, metrics: metrics, writes: shared.writes), configuration: configuration,
        shared: shared)
    var services = services
    services.append(shared.scheduledSends)
    services.append(shared.uploadSweeper)
    if let sharedDatabase, let relayQueue {
        services.append(
            NamedService(
                name: "event relay",
                EventRelayService(
                    relay: sharedDatabase.events, store: store, outgoing: relayQueue.stream, live: shared.events.live,
                    doorbell: shared.webhookDoorbell, logger: logger)))
    }
    if configuration.faults.isActive {
        logger.warning(
            "fault injection is on: API requests may answer 429 or 503 or be delayed on purpose",
            metadata: [
                "inject-429": "\(configuration.faults.tooManyRequests)", "inject-5xx": "\(configuration.faults.serverError)",
                "inject-latency-ms": "\(configuration.faults.latency.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "none")",
            ])
    }
    if configuration.webhooks.enabled {
        services.append(
            NamedService(
                name: "webhook dispatcher",
                WebhookDispatcher(
                    store: store, configuration: configuration.webhooks, signer: shared.webhookSigner,
                    doorbell: shared.webhookDoorbell, metrics: metrics, now: configuration.now,
                    random: { Double.random(in: 0..<1) }, logger: logger)))
    }
    // Set once the server listens and its first start's writes are done (`whenListening` has returned).
    let started = Locked(false)
    var hotPathOrNil: HotPath?
    if let replica = sharedDatabase?.replica {
        replica.reportReads { metrics.recordReplicaRead(answeredByReplica: $0) }
    }
    if let sharedDatabase, !store.seesEveryWrite, !shared.writes.isEmpty {
        services.append(
            NamedService(
                name: "cache coherence",
                CacheCoherence(feed: sharedDatabase.changes, writes: shared.writes, metrics: metrics, logger: logger)))
    }
    if let cache {
        if store.seesEveryWrite {
            services.append(
                NamedService(
                    name: "cache watcher",
                    CacheWatcher(
                        store: store, cache: cache, interval: .milliseconds(100), started: started, logger: logger)))
        }
        // Injected faults apply to every API request, so the hot path stands aside while they are on.
        if !configuration.faults.isActive {
            let dates = HTTPDateCache()
            services.append(dates)
            hotPathOrNil = HotPath(
                cache: cache, tokens: shared.tokens, rateLimiter: shared.rateLimiter, metrics: metrics, dates: dates,
                accessLog: configuration.accessLog, faultRules: shared.faultRules, journal: shared.journal,
                logger: logger)
        }
    }
    let http1 = HTTP1Channel.Configuration(
        // The front door before the parser closes idle connections (Hummingbird does not see hot-path requests).
        additionalChannelHandlers: [ResponseLedger()],
        idleTimeout: nil,
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: ServerConfiguration.maximumHeaderFieldSize,
            maxHeaderListSize: ServerConfiguration.maximumHeaderListSize,
            maxHeaderFieldCount: ServerConfiguration.maximumHeaderFieldCount))
    let limits = FrontDoorHandler.Limits(
        idleTimeout: .nanoseconds(configuration.idleTimeout.wholeNanoseconds),
        headerTimeout: .nanoseconds(configuration.headerTimeout.wholeNanoseconds),
        headLimit: ServerConfiguration.maximumHeaderListSize)
    let connections = ConnectionCount(maximum: configuration.maximumConnections)
    let server = HTTPServerBuilder { [hotPathOrNil] responder in
        FrontDoorHTTP1Channel(
            http1: HTTP1Channel(responder: responder, configuration: http1), hotPath: hotPathOrNil, limits: limits,
            connections: connections)
    }
    var application = Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: nil),
        services: services,
        onServerRunning: { [port = configuration.port] channel in
            await whenListening(channel.localAddress?.port ?? port)
            started.withLock { $0 = true }
        },
        logger: logger)
    // Migrations first (a database server's schema may be behind), then the OAuth signing keys of the first start.
    application.beforeServerStarts {
        [accessTokens = shared.accessTokens, webhookSigner = shared.webhookSigner, configuration] in
        if let migrate { try await migrate() }
        try await accessTokens.prepare(logger: logger)
        if let seed = configuration.seed {
            try await SeedLoader.load(seed, into: store, at: configuration.now(), existing: .keep, logger: logger)
        }
        // The webhook dispatcher reads the signing keys from here on, making them on a first start.
        webhookSigner.storeIsMigrated()
    }
    return application
}

/// What the full path and the hot path share: remembered tokens, cached answers, rate-limit counters, metrics.
struct SharedState: Sendable {
    let tokens: TokenCache
    let cache: ResponseCache?
    /// Told of every committed change to messages: the cache, and the read replica's routing.
    let writes: CommittedWrites
    let rateLimiter: RateLimiter?
    let metrics: ServerMetrics
    let accessTokens: AccessTokenAuthority
    let authenticationFailures: AuthenticationFailureBudget
    /// Rung by every write that may have put events in the outbox; the webhook dispatcher answers it.
    let webhookDoorbell = Doorbell()
    let webhookSigner: WebhookSigner
    /// The control API's run-time faults and request journal (nil while it is off).
    let faultRules: FaultRules?
    let journal: RequestJournal?
    /// What writes announce their events to: the dispatcher's doorbell, and live listeners.
    let events: EventAnnouncer
    /// Sends scheduled messages when their time comes (a service of the application).
    let scheduledSends: ScheduledSender
    /// Removes uploads nobody finished (a service of the application).
    let uploadSweeper: UploadSweeper

    /// The state a configuration calls for: a response cache only when answers are cached, a rate limiter only
    /// when there is a policy (drawing from the shared database's counters when there is one).
    init(
        store: some ConversationStore, configuration: ServerConfiguration, metrics: ServerMetrics,
        relay: AsyncStream<[WebhookEvent]>.Continuation? = nil, sharedDatabase: SharedDatabase? = nil,
        logger: Logger = Logger(label: "switchboard")
    ) {
        tokens = TokenCache()
        // A store that others write too: the cache waits for the change feed to listen.
        cache = configuration.cacheResponses
            ? ResponseCache(limits: .init(bytes: configuration.responseCacheBytes), serving: store.seesEveryWrite)
            : nil
        rateLimiter = configuration.rateLimit.map { policy in
            RateLimiter(
                policy: policy, testClock: configuration.control?.testClock,
                leases: sharedDatabase.map { LeasedAllowances(policy: policy, ledger: $0.rateLimits, logger: logger) })
        }
        self.metrics = metrics
        accessTokens = AccessTokenAuthority(store: store, now: configuration.now)
        authenticationFailures = AuthenticationFailureBudget(policy: configuration.authenticationFailures)
        webhookSigner = WebhookSigner(includesRSA: configuration.webhooks.rsaSignature)
        faultRules = configuration.control.map { _ in FaultRules(seed: configuration.faults.seed) }
        journal = configuration.control.map { RequestJournal(capacity: $0.journalCapacity, now: configuration.now) }
        events = EventAnnouncer(doorbell: webhookDoorbell, live: LiveEvents(), relay: relay)
        writes = CommittedWrites(cache: cache, replica: sharedDatabase?.replica)
        scheduledSends = ScheduledSender(store: store, writes: writes, now: configuration.now, events: events)
        uploadSweeper = UploadSweeper(store: store, now: configuration.now)
    }
}

/// Generic over the store, so the hot path is specialised for the concrete backend.
func buildRouter<Store: ConversationStore>(
    store: Store, configuration: ServerConfiguration, shared: SharedState
) -> Router<AppRequestContext> {
    // HEAD answers as GET does, without the body, on every GET route (HighLevel's CDN does; curl -I expects it).
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(
        middleware: ObservationMiddleware(
            metrics: shared.metrics, accessLog: configuration.accessLog, journal: shared.journal))
    router.add(middleware: HighLevelErrorMiddleware())
    if !configuration.trustedProxies.isEmpty {
        router.add(middleware: ForwardedClientMiddleware(trustedProxies: configuration.trustedProxies))
    }
    if configuration.requestTimeout > .zero {
        router.add(middleware: RequestTimeoutMiddleware(timeout: configuration.requestTimeout))
    }
    HealthController(store: store, metrics: shared.metrics).addRoutes(to: router)
    DocsController().addRoutes(to: router)  // GET /openapi.json, GET /docs (openapi.yaml)
    InboxController().addRoutes(to: router)  // GET /ui/… (the web inbox's files)
    // POST /oauth/token: no Version header, no bearer token, not rate-limited (HighLevel's limits are the API's).
    OAuthController(
        store: store, accessTokens: shared.accessTokens, now: configuration.now, failures: shared.authenticationFailures
    ).addRoutes(to: router)
    let files = FilesController(store: store, now: configuration.now)
    // Files and signed upload URLs: no Version header or token, as at HighLevel's storage; their URLs are the key.
    files.addStorageRoutes(to: router)
    let outsideTheAPI = Set(router.routes.map(\.description))
    // HighLevel's routes: authenticated, rate-limited, and where faults are injected.
    let api = router.group().add(
        middleware: APIMiddleware(
            gatekeeper: Gatekeeper(store: store, cache: shared.tokens, accessTokens: shared.accessTokens),
            failures: shared.authenticationFailures,
            rateLimiter: shared.rateLimiter,
            faults: configuration.faults.isActive ? FaultInjector(configuration.faults) : nil,
            faultRules: shared.faultRules))
    // Constant paths (`/conversations/search`, `/conversations/messages/…`) win over captures in the router's trie.
    MessagesController(store: store, cache: shared.cache).addRoutes(to: api)
    MessageWritesController(store: store, now: configuration.now, events: shared.events).addRoutes(to: api)
    EmailController(store: store, now: configuration.now, events: shared.events).addRoutes(to: api)
    ExportController(store: store).addRoutes(to: api)
    PreferencesController(store: store, now: configuration.now).addRoutes(to: api)
    CallsController(store: store, now: configuration.now).addRoutes(to: api)
    files.addRoutes(to: api)
    ConversationsController(store: store, now: configuration.now).addRoutes(to: api)
    ContactsController(store: store, now: configuration.now).addRoutes(to: api)
    LiveChatController(store: store, events: shared.events, now: configuration.now).addRoutes(to: api)
    if let control = configuration.control {
        // What a fault rule may name: the routes so far that the API middleware guards.
        let apiRoutes = Set(router.routes.map(\.description)).subtracting(outsideTheAPI)
        ControlController(
            store: store, control: control, shared: shared, apiRoutes: apiRoutes, seed: configuration.seed,
            now: configuration.now)
            .addRoutes(to: router)
    } else {
        // Off, its paths say so and how to turn it on, rather than a bare 404 that reads as a mistyped path (the
        // event stream's constant path below still wins over this wildcard).
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("/_switchboard/**", method: method) { request, _ -> Response in
                throw SwitchboardError.controlAPIOff(method: request.method.rawValue, path: request.uri.path)
            }
        }
    }
    // The live event stream (the inbox's, `switchboard listen`'s): a location's token, checked as on the API,
    // without injected faults.
    let listeners = router.group().add(
        middleware: APIMiddleware(
            gatekeeper: Gatekeeper(store: store, cache: shared.tokens, accessTokens: shared.accessTokens),
            failures: shared.authenticationFailures, rateLimiter: shared.rateLimiter, faults: nil, faultRules: nil))
    EventsController(live: shared.events.live, signer: shared.webhookSigner, signs: configuration.webhooks.enabled)
        .addRoutes(to: listeners)
    return router
}

/// Removes a SQLite store's files: the database, SQLite's `-wal` and `-shm`, and the key file beside it.
public func removeSQLiteStore(at path: String) {
    SQLiteFile.remove(path)
}

/// Opens the store a command names, runs `body` with it, and closes it (the CLI's non-server commands).
public func withStore<T: Sendable>(
    _ database: ServerConfiguration.Database, sqliteFile: SQLiteFileRules = SQLiteFileRules(), secretKey: String? = nil,
    logger: Logger, _ body: @Sendable (any ConversationStore) async throws -> T
) async throws -> T {
    switch database {
    case .sqlite(let path):
        return try await body(openSQLite(path, rules: sqliteFile, secretKey: secretKey, checkIntegrity: false))
    case .postgres(let url):
        let store = PostgresConversationStore(
            options: try postgresOptions(url), backgroundLogger: logger, keySeal: seal(secretKey))
        // The client's pool runs beside the body, and stops with it.
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.migrate(logger: logger)
            return try await body(store)
        }
    }
}

/// Runs the application until SIGTERM or SIGINT, then stops accepting connections, lets in-flight requests finish
/// (for at most `shutdownGracePeriod`), and returns, so the process exits 0; if it is still running 5 s after that,
/// it exits 1 (`ShutdownBackstop`).
public func runUntilSignalled(
    _ application: some ApplicationProtocol, configuration: ServerConfiguration, logger: Logger
) async throws {
    let backstop = ShutdownBackstop(gracePeriod: configuration.shutdownGracePeriod, logger: logger)
    var group = ServiceGroupConfiguration(
        services: [NamedService(name: "switchboard", application), backstop], gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    group.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
    defer { backstop.disarm() }
    try await ServiceGroup(configuration: group).run()
}

/// A service by a name of its own. ServiceLifecycle names each service it runs by `"\(service)"`, which for a
/// struct without a description walks all its stored values: for the application, the whole router, 5 ms of every
/// start. The application and the struct services `buildApplication` adds are wrapped in it.
public struct NamedService<Base: Service>: Service, CustomStringConvertible {
    public let description: String
    let base: Base

    public init(name: String, _ base: Base) {
        description = name
        self.base = base
    }

    public func run() async throws { try await base.run() }
}
