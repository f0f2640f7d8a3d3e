import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HighLevel-compatible API server.")

    @Option(help: "Address to listen on (env: SWITCHBOARD_HOSTNAME; default 127.0.0.1).") var hostname: String?
    @Option(help: "Port to listen on (env: SWITCHBOARD_PORT; default 8080).") var port: Int?
    @Option(help: "SQLite file path or postgres://… URL (env: SWITCHBOARD_DATABASE; default ./switchboard.sqlite).")
    var database: String?
    @Flag(help: "On a new store, also create sample conversations on every channel.") var demo = false
    @Option(help: "Seed for --demo data: the same seed gives the same data.") var seed: UInt64 = 1

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(
                hostname: hostname, port: port, database: database, environment: ProcessInfo.processInfo.environment)
        } catch let error as ServerConfiguration.InvalidValue {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "switchboard")
        let app = try await buildApplication(configuration: configuration, logger: logger) { store in
            try await announceFirstStart(store: store, configuration: configuration, logger: logger)
        }
        try await app.runService()
    }

    /// Prints what a first start created, flushed before the server starts listening, one item per line.
    private func announceFirstStart(
        store: some ConversationStore, configuration: ServerConfiguration, logger: Logger
    ) async throws {
        guard let first = try await StoreSetup.initialiseIfEmpty(store, now: configuration.now(), logger: logger) else {
            if demo { Output.error("The store already has data: --demo only fills a new store.") }
            return
        }
        Output.line("location: \(first.location.id)")
        Output.line("token: \(first.token)")
        var curlPath = "/conversations/search?locationId=\(first.location.id)"
        if demo {
            let created = try await DemoData.populate(store, location: first.location.id, seed: seed, logger: logger)
            if let longest = created.max(by: { $0.messageCount < $1.messageCount }) {
                curlPath = "/conversations/\(longest.conversationId)/messages"
            }
            Output.line(curlLine(configuration: configuration, path: curlPath, token: first.token))
            for conversation in created {
                Output.line("conversation: \(conversation.conversationId) \(conversation.channel) (\(conversation.messageCount) messages)")
            }
        } else {
            Output.line(curlLine(configuration: configuration, path: curlPath, token: first.token))
        }
    }

    private func curlLine(configuration: ServerConfiguration, path: String, token: String) -> String {
        let host = configuration.hostname == "0.0.0.0" ? "127.0.0.1" : configuration.hostname
        return "curl -s 'http://\(host):\(configuration.port)\(path)' -H 'Authorization: Bearer \(token)' -H 'Version: 2021-04-15'"
    }
}
