public import ArgumentParser
import Foundation
public import Logging
public import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage

/// `--database`, shared by every command that opens the store.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: "SQLite file path or postgres://user:pass@host:port/db (env: SWITCHBOARD_DATABASE, or SWITCHBOARD_DATABASE_FILE naming a file that holds it; default: ./switchboard.sqlite).")
    var database: String?
    @Flag(help: "Open a SQLite file that other users can read or write (refused by default).")
    var allowSharedFile = false

    func resolved() throws -> ServerConfiguration.Database {
        do {
            return try ServerConfiguration.resolveDatabase(database, environment: ProcessInfo.processInfo.environment)
        } catch let error as ServerConfiguration.InvalidValue {
            throw CommandFailure(error.description)
        }
    }

    /// Opens the store for `body`. Only a command that is a way to start a store (`location create`, `app create`,
    /// `import`) makes a SQLite file that is not there; any other refuses a path with no file, rather than leaving
    /// an empty database at a mistyped path and answering as if it had looked.
    func withStore<T: Sendable>(
        creating: Bool = false, logger: Logger, _ body: @Sendable (any ConversationStore) async throws -> T
    ) async throws -> T {
        let database = try resolved()
        if !creating, let path = database.sqliteFileToBeMade {
            throw CommandFailure(
                "no database at \(path): name one a server, `import` or `location create` made, with --database")
        }
        let secretKey: String?
        do {
            secretKey = try ServerConfiguration.resolveSecretKey(environment: ProcessInfo.processInfo.environment)
        } catch let error as ServerConfiguration.InvalidValue {
            throw CommandFailure(error.description)
        }
        return try await SwitchboardServer.withStore(
            database, sqliteFile: SQLiteFileRules(allowShared: allowSharedFile), secretKey: secretKey,
            logger: logger, body)
    }
}

/// Command-line failures print one line on stderr and exit non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Output {
    /// Unbuffered, so a line is out before the server starts listening or the process exits.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Rewrites the current stderr line (a terminal progress bar).
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension Logger {
    static func cli(level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: "switchboard")
        logger.logLevel = level
        return logger
    }
}

// Options whose values are one of a closed set: ArgumentParser refuses anything else and names the values it takes.
extension Scope: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
