import Foundation
import Logging
import NIOCore
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage

/// What `serve` prints once it listens (never before, so a server that cannot bind creates and prints nothing): on a
/// first start the location, its token, lines to paste into a shell and the demo's conversations, one item per line;
/// then the web inbox's address, and, last, where it listens and its docs, which scripts can wait for.
struct StartAnnouncement: Sendable {
    let configuration: ServerConfiguration
    let demo: Bool
    let seed: UInt64

    static let listeningPrefix = "listening on "

    func print(store: any ConversationStore, port: Int, logger: Logger) async throws {
        let baseURL = "http://\(Self.reachableHost(configuration.hostname)):\(port)"
        if let first = try await StoreSetup.initialiseIfEmpty(store, now: configuration.now(), logger: logger) {
            try await printFirstStart(first, store: store, baseURL: baseURL, logger: logger)
        } else {
            if demo { Output.error("The store already has data: --demo only fills a new store.") }
            try await hintWithoutTokens(store: store, logger: logger)
        }
        if let seed = configuration.seed { Output.line("seed: \(seed.summary)") }
        // A convenience: a store that cannot list its locations just now still serves.
        if let location = try? await store.locations(logger: logger).first?.id {
            Output.line("inbox: \(baseURL)/ui/#location=\(location)")
        }
        if let control = configuration.control {
            // On a line of its own, for scripts; only the control API (`/_switchboard/…`) takes it.
            Output.line("admin token: \(control.adminToken)")
        }
        Output.line("\(Self.listeningPrefix)\(baseURL) (API docs: \(baseURL)/docs)")
    }

    private func printFirstStart(_ first: FirstStart, store: any ConversationStore, baseURL: String, logger: Logger)
        async throws
    {
        let location = first.location.id
        Output.line("location: \(location)")
        Output.line("token: \(first.token)")
        Output.line(
            "export SWITCHBOARD_BASE_URL=\(baseURL) SWITCHBOARD_TOKEN=\(first.token) SWITCHBOARD_LOCATION_ID=\(location)")
        guard demo else {
            Output.line(Self.curl(baseURL: baseURL, path: "/conversations/search?locationId=\(location)", token: first.token))
            return
        }
        let created = try await DemoData.populate(
            store, location: location, seed: seed, fileBaseURL: baseURL, logger: logger)
        let path = created.max(by: { $0.messageCount < $1.messageCount }).map {
            "/conversations/\($0.conversationId)/messages"
        } ?? "/conversations/search?locationId=\(location)"
        Output.line(Self.curl(baseURL: baseURL, path: path, token: first.token))
        for conversation in created {
            Output.line("conversation: \(conversation.conversationId) \(conversation.channel) (\(conversation.messageCount) messages)")
        }
    }

    /// A store filled by `import` has locations and messages but no token: say how to make one.
    private func hintWithoutTokens(store: any ConversationStore, logger: Logger) async throws {
        let tokens = try await store.tokens(in: nil, logger: logger)
        guard !tokens.contains(where: { $0.revokedAt == nil }) else { return }
        let location = try await store.locations(logger: logger).first?.id.rawValue ?? "LOCATION_ID"
        Output.error("No token can read this store yet: \(Self.howToMakeAToken(location: location, in: configuration.database)).")
    }

    /// A command that reaches this store, as it can be pasted: it names the database unless it is the default.
    static func howToMakeAToken(location: String, in database: ServerConfiguration.Database) -> String {
        let command = "switchboard token create --location \(location)"
        switch database {
        case .sqlite(":memory:"):
            return "no command reaches a store in memory; start with --control and make a location and its token with "
                + "`POST /_switchboard/locations`, or serve a database file"
        case .sqlite(let path) where path == ServerConfiguration.defaultDatabasePath || path == "switchboard.sqlite":
            return "make one with `\(command)`"
        case .sqlite(let path):
            let quoted = path.allSatisfy { $0.isLetter || $0.isNumber || "/._-".contains($0) }
                ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
            return "make one with `\(command) --database \(quoted)`"
        case .postgres:
            // The URL may hold a password: it is not printed.
            return "make one with `\(command)` and the same --database (or SWITCHBOARD_DATABASE)"
        }
    }

    private static func curl(baseURL: String, path: String, token: String) -> String {
        "curl -s '\(baseURL)\(path)' -H 'Authorization: Bearer \(token)' -H 'Version: 2021-04-15'"
    }

    /// An address a local client can reach the server at: a wildcard address is reached on loopback.
    static func reachableHost(_ hostname: String) -> String {
        switch hostname {
        case "0.0.0.0": "127.0.0.1"
        case "::", "[::]": "[::1]"
        default: hostname.contains(":") && !hostname.hasPrefix("[") ? "[\(hostname)]" : hostname
        }
    }

    /// A failure to listen, said in words with what to do about it; any other error as it is.
    static func explained(_ error: any Error, configuration: ServerConfiguration) -> any Error {
        guard let io = error as? IOError else { return error }
        switch io.errnoCode {
        case EADDRINUSE:
            return CommandFailure("port \(configuration.port) is in use; pick another with --port")
        case EACCES:
            return CommandFailure("port \(configuration.port) needs privileges this user lacks; pick one above 1023 with --port")
        case EADDRNOTAVAIL:
            return CommandFailure(
                "\(configuration.hostname) is not an address of this machine; pick another with --hostname (e.g. 127.0.0.1)")
        default:
            return error
        }
    }
}
