import ArgumentParser
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage

struct LocationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "location", abstract: "Manage locations (HighLevel sub-accounts).",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a location and print its id (only the id).")

        @Option(help: "The id (default: a new 20-character id).") var id: String?
        @Option(help: "A display name.") var name: String = "Switchboard"
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if let id, !LocationID(rawValue: id).isPlausible {
                throw ValidationError("--id must be 1 to 64 characters of letters, digits, '_' or '-'")
            }
        }

        func run() async throws {
            let location = Location(id: id.map(LocationID.init(rawValue:)) ?? .generate(), name: name, dateAdded: .now())
            try await database.withStore(creating: true, logger: .cli()) { store in
                if try await store.location(location.id, logger: .cli()) != nil {
                    throw CommandFailure("location \(location.id) already exists")
                }
                try await store.createLocation(location, logger: .cli())
            }
            Output.line(location.id.rawValue)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List locations: id, then name.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let locations = try await database.withStore(logger: .cli()) { store in try await store.locations(logger: .cli()) }
            if Terminal.standardOutputIsTerminal { Output.line("ID\tNAME") }  // rows alone in a pipe
            for location in locations { Output.line("\(location.id)\t\(location.name)") }
        }
    }
}
