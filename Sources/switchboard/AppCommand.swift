import ArgumentParser
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage

struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app", abstract: "Manage OAuth apps, their installations, and the key access tokens are signed with.",
        subcommands: [
            Create.self, List.self, Install.self, Uninstall.self, RotateSecret.self, Delete.self, RotateKey.self,
            Keys.self, RevokeKey.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an app and print `client_id: …` and `client_secret: …`. The secret is shown once.")

        @Option(help: "The app's name.") var name: String
        // ArgumentParser lists the values after the help.
        @Option(help: "A scope installations grant; repeat for several (default: every scope).")
        var scope: [Scope] = []
        @Option(
            help: ArgumentHelp(
                "Deliver the events of every location the app is installed on to this http(s) URL, with the app's appId.",
                discussion: "Prints the subscription's id as `webhook: …`; `switchboard webhook list` shows it."))
        var webhookUrl: String?
        @Option(
            help: ArgumentHelp(
                "With --webhook-url, an event to deliver; repeat for several (default: every event its scopes allow).",
                discussion: WebhookEventType.all.joined(separator: ", ")))
        var event: [String] = []
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if let webhookUrl {
                do { try WebhookSetup.checkURL(webhookUrl) } catch { throw ValidationError("--webhook-url: \(error)") }
            } else if !event.isEmpty {
                throw ValidationError("--event needs --webhook-url")
            }
        }

        func run() async throws {
            let scopes = scope.isEmpty ? Set(Scope.allCases) : Set(scope)
            let (app, secret, subscription) = try await database.withStore(creating: true, logger: .cli()) { store in
                try await OAuthSetup.createApp(
                    store, name: name, scopes: scopes, webhookURL: webhookUrl, events: event, now: .now(), logger: .cli())
            }
            Output.line("client_id: \(app.clientId)")
            Output.line("client_secret: \(secret)")
            if let subscription { Output.line("webhook: \(subscription.id)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List apps: client id, name, scopes (never the secret).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let apps = try await database.withStore(logger: .cli()) { store in try await store.apps(logger: .cli()) }
            for app in apps {
                Output.line("\(app.clientId)\t\(app.name)\t\(app.scopes.map(\.rawValue).sorted().joined(separator: " "))")
            }
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install an app on a location (or a company) and print its refresh token (only the token).",
            discussion: """
                With --code, print an authorization code instead (valid for 10 minutes, for one exchange at \
                POST /oauth/token with grant_type=authorization_code). Either is shown once.
                """)

        @Option(help: "The app's client id.") var clientId: String
        @Option(help: "The location (sub-account) to install on.") var location: String?
        @Option(help: "A company (agency) id to install on instead: its tokens are Company tokens.") var company: String?
        @Flag(help: "Print an authorization code instead of a refresh token.") var code = false
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard (location == nil) != (company == nil) else {
                throw ValidationError("give exactly one of --location and --company")
            }
            if let company, !LocationID(rawValue: company).isPlausible {
                throw ValidationError("--company must be 1 to 64 characters of letters, digits, '_' or '-'")
            }
        }

        func run() async throws {
            let target: OAuthSetup.Target =
                if let location { .location(LocationID(rawValue: location)) } else { .company(company ?? "") }
            let grant = try await database.withStore(logger: .cli()) { store in
                try await OAuthSetup.install(
                    store, clientId: clientId, on: target, grant: code ? .authorizationCode : .refreshToken,
                    now: .now(), logger: .cli()
                ).grant
            }
            Output.line(grant)
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Sign new access tokens with a new key and print its id. Tokens signed with the previous key "
                + "keep working until they expire; a running server picks the new key up within a second.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let key = try await database.withStore(logger: .cli()) { store in
                try await OAuthSetup.rotateSigningKey(store, now: .now(), logger: .cli())
            }
            Output.line(key.id)
        }
    }
}
