import ArgumentParser

/// The release this source is; `buildCommit` (written at build time by the VersionStamp plugin) says which commit.
let releaseVersion = "1.0.0"

@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A HighLevel-compatible Conversations server, and a client for the same API.",
        version: "switchboard \(releaseVersion) (commit \(buildCommit))",
        subcommands: [
            Serve.self, LocationCommand.self, TokenCommand.self, AppCommand.self, ImportCommand.self,
            WebhookCommand.self, ProviderCommand.self, MessagesCommand.self, ConversationsCommand.self, SendCommand.self, ListenCommand.self, TriggerCommand.self,
            GenerateCommand.self, ExportSeedCommand.self,
        ])
}
