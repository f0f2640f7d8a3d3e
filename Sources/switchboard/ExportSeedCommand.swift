import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage

/// `switchboard export-seed`: a store's state as a seed file for `serve --seed-file`.
struct ExportSeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-seed",
        abstract: "Write a store's locations, contacts, conversations and messages as a seed file (stdout).",
        discussion: """
            Tokens are stored only as hashes, so the locations come out with "tokens": []: add \
            {"token":"pit-…"} entries before serving the file with `serve --seed-file`.
            """)

    @Option(help: "Only this location (default: every location).") var location: String?
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let location, !LocationID(rawValue: location).isPlausible {
            throw ValidationError("--location must be 1 to 64 characters of letters, digits, '_' or '-'")
        }
    }

    func run() async throws {
        let only = location.map(LocationID.init(rawValue:))
        let messages = try await database.withStore(logger: .cli()) { store in
            var output = BufferedOutput()
            defer { output.flush() }
            do {
                return try await SeedExporter.export(from: store, only: only, logger: .cli()) { output.write(bytes: $0) }
            } catch let error as SeedExporter.UnknownLocation {
                throw CommandFailure(error.description)
            }
        }
        Output.error("wrote \(messages) messages; tokens are not exported: add {\"token\":\"pit-…\"} to each location's \"tokens\"")
    }
}
