public import Hummingbird
public import Logging
public import ServiceLifecycle
import SwitchboardCore
import SwitchboardSQLite
public import SwitchboardStorage

/// Builds the server for a configuration: opens the store it names and wires every route.
/// `prepare` runs once the store is reachable and before the server listens (first-start set-up, demo data).
public func buildApplication(
    configuration: ServerConfiguration, logger: Logger,
    prepare: @escaping @Sendable (any ConversationStore) async throws -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    switch configuration.database {
    case .sqlite(let path):
        let store = try SQLiteConversationStore(path: path)
        var app = buildApplication(store: store, configuration: configuration, logger: logger)
        app.beforeServerStarts { try await prepare(store) }
        return app
    case .postgres:
        throw ServerConfiguration.InvalidValue(description: "PostgreSQL is not supported by this build yet")
    }
}

/// Builds the server on a store that is already open (tests call this directly).
public func buildApplication<Store: ConversationStore>(
    store: Store, configuration: ServerConfiguration, services: [any Service] = [], logger: Logger
) -> Application<RouterResponder<AppRequestContext>> {
    let router = buildRouter(store: store, configuration: configuration)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: nil),
        services: services,
        logger: logger)
}

/// Generic over the store, so the hot path is specialised for the concrete backend.
func buildRouter<Store: ConversationStore>(store: Store, configuration: ServerConfiguration) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: HighLevelErrorMiddleware())
    let gatekeeper = Gatekeeper(store: store)
    // Constant paths (`/conversations/search`, `/conversations/messages/…`) win over captures in the router's trie.
    MessagesController(store: store, gatekeeper: gatekeeper).addRoutes(to: router)
    MessageWritesController(store: store, gatekeeper: gatekeeper, now: configuration.now).addRoutes(to: router)
    ExportController(store: store, gatekeeper: gatekeeper).addRoutes(to: router)
    ConversationsController(store: store, gatekeeper: gatekeeper, now: configuration.now).addRoutes(to: router)
    ContactsController(store: store, gatekeeper: gatekeeper, now: configuration.now).addRoutes(to: router)
    HealthController(store: store).addRoutes(to: router)
    return router
}

/// Opens the store a command names, runs `body` with it, and closes it (the CLI's non-server commands).
public func withStore<T: Sendable>(
    _ database: ServerConfiguration.Database, logger: Logger,
    _ body: @Sendable (any ConversationStore) async throws -> T
) async throws -> T {
    switch database {
    case .sqlite(let path):
        return try await body(SQLiteConversationStore(path: path))
    case .postgres:
        throw ServerConfiguration.InvalidValue(description: "PostgreSQL is not supported by this build yet")
    }
}
