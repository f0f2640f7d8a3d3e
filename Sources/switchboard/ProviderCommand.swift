public import ArgumentParser
public import SwitchboardCore
import SwitchboardSetup
import SwitchboardStorage

extension ConversationProvider.Channel: ExpressibleByArgument {}

struct ProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "Manage custom conversation providers: SMS or email channels delivered by your own integration.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a provider and print its conversationProviderId.",
            discussion: """
                A send (POST /conversations/messages) of the provider's type that names this conversationProviderId \
                (or names none, when the provider is the default) is stored with status pending and delivered to the \
                URL as a signed ProviderOutboundMessage; the provider reports the outcome with \
                PUT /conversations/messages/{messageId}/status. A running server uses it at once.
                """)

        @Option(help: "The location the provider serves.") var location: String
        @Option(help: "Its name, as HighLevel's provider settings show it.") var name: String
        @Option(help: "The channel it delivers: SMS or Email.") var type: ConversationProvider.Channel
        @Option(help: "Where messages are delivered: an http:// or https:// URL.") var deliveryUrl: String
        @Flag(help: "Also use it for sends of its type that name no provider.") var `default` = false
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            do { try WebhookSetup.checkURL(deliveryUrl) } catch { throw ValidationError("--delivery-url: \(error)") }
        }

        func run() async throws {
            let provider = try await database.withStore(logger: .cli()) { store in
                try await WebhookSetup.addProvider(
                    store, location: LocationID(rawValue: location), name: name, channel: type,
                    deliveryURL: deliveryUrl, isDefault: self.default, now: .now(), logger: .cli())
            }
            Output.line(provider.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List providers: id, location, type, name, delivery URL, and whether it is the default.")
        @Option(help: "Only this location's providers.") var location: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let providers = try await database.withStore(logger: .cli()) { store in
                try await store.providers(in: location.map(LocationID.init(rawValue:)), logger: .cli())
            }
            for provider in providers {
                let line = [
                    provider.id, provider.locationId.rawValue, provider.channel.rawValue, provider.name,
                    provider.deliveryURL, provider.isDefault ? "default" : "-",
                ]
                Output.line(line.joined(separator: "\t"))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a provider; what it has not yet been delivered is dropped.")
        @Argument(help: "The provider's conversationProviderId.") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let removed = try await database.withStore(logger: .cli()) { store in
                try await store.removeProvider(id, logger: .cli())
            }
            guard removed else { throw CommandFailure("no provider \(id)") }
            Output.line("removed \(id)")
        }
    }
}
