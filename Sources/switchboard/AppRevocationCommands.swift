import ArgumentParser
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage

/// Taking OAuth credentials back: what an operator does when an app's secret or tokens leak.
extension AppCommand {
    struct Uninstall: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an app's installation from a location (or a company): its refresh tokens stop working "
                + "at once, its access tokens within 2 seconds on every running server.")
        @Option(help: "The app's client id.") var clientId: String
        @Option(help: "The location it is installed on.") var location: String?
        @Option(help: "The company it is installed on instead.") var company: String?
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard (location == nil) != (company == nil) else {
                throw ValidationError("give exactly one of --location and --company")
            }
        }

        func run() async throws {
            let target: OAuthSetup.Target =
                if let location { .location(LocationID(rawValue: location)) } else { .company(company ?? "") }
            try await database.withStore(logger: .cli()) { store in
                try await OAuthSetup.uninstall(store, clientId: clientId, from: target, logger: .cli())
            }
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Give an app a new client secret and print it as `client_secret: …` (shown once). The old "
                + "secret stops working at once; installations and their tokens are kept.")
        @Option(help: "The app's client id.") var clientId: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let secret = try await database.withStore(logger: .cli()) { store in
                try await OAuthSetup.rotateSecret(store, clientId: clientId, logger: .cli())
            }
            Output.line("client_secret: \(secret)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an app with all its installations and tokens.")
        @Option(help: "The app's client id.") var clientId: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withStore(logger: .cli()) { store in
                try await OAuthSetup.deleteApp(store, clientId: clientId, logger: .cli())
            }
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys access tokens are signed with: id, created, and retired (or `active`).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let keys = try await database.withStore(logger: .cli()) { store in
                try await store.signingKeys(retiredAfter: Timestamp(rawValue: 0), logger: .cli())
            }
            for key in keys {
                Output.line("\(key.id)\t\(key.createdAt.iso8601)\t\(key.retiredAt?.iso8601 ?? "active")")
            }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key",
            abstract: "Take a signing key out of use at once: every access token it signed stops working within 2 "
                + "seconds. Revoking the active key first rotates to a new one, whose id is printed.")
        @Argument(help: "The key's id (key_…), from `app keys`.") var kid: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let replacement = try await database.withStore(logger: .cli()) { store in
                try await OAuthSetup.revokeSigningKey(store, id: kid, now: .now(), logger: .cli())
            }
            if let replacement { Output.line(replacement.id) }
        }
    }
}
