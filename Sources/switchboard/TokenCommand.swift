import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage private integration tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it (only the token). It is shown once: only its hash is stored.")

        @Option(help: "The location the token is bound to.") var location: String
        // ArgumentParser lists the values after the help.
        @Option(help: "A scope to grant; repeat for several (default: every scope).")
        var scope: [Scope] = []
        @Option(help: "A name to recognise it by in `token list`.") var name: String = "cli"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let scopes = scope.isEmpty ? Set(Scope.allCases) : Set(scope)
            let locationId = LocationID(rawValue: location)
            let token = try await database.withStore(logger: .cli()) { store in
                guard try await store.location(locationId, logger: .cli()) != nil else {
                    throw CommandFailure("no location \(locationId); create one with `switchboard location create`")
                }
                return try await StoreSetup.issueToken(
                    store, location: locationId, scopes: scopes, name: name, now: .now(), logger: .cli())
            }
            Output.line(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens: id, location, state, name, scopes (never the token itself).")
        @Option(help: "Only this location's tokens.") var location: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let locationId = location.map(LocationID.init(rawValue:))
            let tokens = try await database.withStore(logger: .cli()) { store in
                try await store.tokens(in: locationId, logger: .cli())
            }
            // A header for a person reading it; scripts reading a pipe get the rows alone.
            if Terminal.standardOutputIsTerminal { Output.line("ID\tLOCATION\tSTATE\tNAME\tSCOPES") }
            for token in tokens {
                let state = token.revokedAt == nil ? "active" : "revoked"
                Output.line("\(token.id)\t\(token.locationId)\t\(state)\t\(token.name)\t\(token.scopeList)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token, given its id or the token itself. A running server stops accepting it within 2 seconds.",
            discussion: "Prefer the id (from `token list`) or `-`: a token given as an argument is visible to other users in `ps`.")
        @Argument(help: "The token's id (tok_…), `-` to read the token from standard input, or the token (pit-…).")
        var tokenOrId: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            var tokenOrId = tokenOrId
            if tokenOrId == "-" {
                // The token's own text stays out of argv (and so out of `ps` and shell history).
                guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
                    throw CommandFailure("no token on standard input")
                }
                tokenOrId = line
            }
            // A token is looked up by its hash; an id is matched as it is.
            let key = PrivateIntegrationToken.looksLikePIT(Substring(tokenOrId)) ? TokenHash(token: tokenOrId).rawValue : tokenOrId
            let revoked = try await database.withStore(logger: .cli()) { store in
                try await store.revokeToken(idOrHash: key, at: .now(), logger: .cli())
            }
            // A token's own text is not echoed back: error output ends up in logs.
            let named = key == tokenOrId ? "'\(tokenOrId)'" : "the token given"
            guard revoked else { throw CommandFailure("no active token matches \(named)") }
            Output.line("revoked")
        }
    }
}
