import ArgumentParser
import Foundation
import Logging
import SwitchboardClient
import SwitchboardCore

/// `--base-url`, `--token`, `--api-version`, shared by every command that talks to the API.
struct ClientOptions: ParsableArguments {
    @Option(help: """
        The API to talk to (env: SWITCHBOARD_BASE_URL, then HIGHLEVEL_BASE_URL; default: the local server, \
        http://127.0.0.1:8080). HighLevel itself is https://services.leadconnectorhq.com, named on purpose.
        """)
    var baseURL: String?

    @Option(help: "A private integration token (pit-…) or OAuth access token (env: SWITCHBOARD_TOKEN, then HIGHLEVEL_TOKEN).")
    var token: String?

    @Option(help: "The Version header: 2021-04-15 (default), 2021-07-28, 2023-02-21 or v3 (env: HIGHLEVEL_API_VERSION).")
    var apiVersion: String?

    @Flag(help: "Log requests and retries on stderr.")
    var verbose = false

    func validate() throws {
        // Checked here so a bad value is reported before any request, with the usage line.
        _ = try configuration()
    }

    func configuration() throws -> ClientConfiguration {
        do {
            var configuration = try ClientConfiguration.resolve(
                baseURL: baseURL, token: token, apiVersion: apiVersion, environment: ProcessInfo.processInfo.environment)
            configuration.logger = .cli(level: verbose ? .debug : .warning)
            // Waits are said as they begin, so a pause is never silent: on a terminal in the progress line (the next
            // page's progress replaces it), else as a line of its own.
            let terminal = Terminal.isTerminal(STDERR_FILENO)
            configuration.onRetry = { notice in
                if terminal { Output.progress(notice.description) } else { Output.error(notice.description) }
            }
            return configuration
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Runs `body` with a client that is shut down afterwards.
    func withClient<Result>(_ body: (ConversationsClient) async throws -> Result) async throws -> Result {
        try await ConversationsClient.withClient(configuration: try configuration(), body)
    }

    /// `--location`, else `SWITCHBOARD_LOCATION_ID` or `HIGHLEVEL_LOCATION_ID`: HighLevel (and Switchboard) require
    /// the location on search.
    static func location(_ flag: String?) throws -> LocationID {
        typealias Key = ClientConfiguration.EnvironmentKey
        let fromEnvironment = Key.first(Key.locationId, Key.highLevelLocationId, in: ProcessInfo.processInfo.environment)
        guard let value = flag ?? fromEnvironment, !value.isEmpty else {
            throw ValidationError("no location: pass --location or set \(Key.locationId)")
        }
        return LocationID(rawValue: value)
    }
}
