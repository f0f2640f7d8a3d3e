import ArgumentParser

@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A HighLevel-compatible Conversations server, and a client for the same API.",
        subcommands: [
            Serve.self, LocationCommand.self, TokenCommand.self, AppCommand.self, ImportCommand.self,
            WebhookCommand.self, MessagesCommand.self, ConversationsCommand.self, SendCommand.self, GenerateCommand.self,
        ])
}
