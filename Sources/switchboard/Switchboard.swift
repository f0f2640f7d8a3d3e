import ArgumentParser
import Foundation

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

    /// As ArgumentParser's own, except that a `ValidationError` a command throws while it runs (a seed file, the
    /// environment, a flag read against the store) is said on one line with the usage's exit code: ArgumentParser
    /// would follow it with the usage of `switchboard` itself, which is not the command that was run.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            exit(withError: ExitCode.validationFailure)
        } catch {
            exit(withError: error)
        }
    }
}
