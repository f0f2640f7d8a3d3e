import ArgumentParser
import Foundation
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write deterministic sample history as NDJSON (what `import` reads), for benchmarks and load tests.",
        discussion: """
            Writes to a file or a pipe, never to a terminal: `switchboard generate > history.ndjson` or \
            `switchboard generate | switchboard import -`. The defaults make 10,000 messages (about 4 MB); \
            scripts/bench.sh asks for 1,000,000.

            Without --realistic the ids are sequential (Msg00000000000000000, …) and lines come in time order: \
            the friendliest data for a store. --realistic writes what a real export looks like: random \
            20-character ids, lines grouped by conversation (newest first, as `messages --all` writes them), \
            bodies of 20–400 characters with some non-ASCII text, emails, calls, appointments and attachments; \
            its large conversation comes last, with a random id.
            """)

    @Option(help: "The location the messages belong to.") var location: String = "BenchLocation0000000"
    @Option(help: "Messages spread over --conversations conversations.") var messages: Int = 10_000
    @Option(help: "How many conversations share --messages.") var conversations: Int = 100
    @Option(help: "Messages in one extra large conversation (id LargeConversation000; with --realistic, the last one).") var large: Int = 1_000
    @Option(help: "Seed: the same seed gives the same bytes.") var seed: UInt64 = 1
    @Flag(help: "Random ids, grouped by conversation, varied bodies: shaped like a real export.") var realistic = false

    func validate() throws {
        if messages < 0 || large < 0 || conversations < 1 { throw ValidationError("counts must not be negative") }
    }

    func run() async throws {
        guard isatty(STDOUT_FILENO) == 0 else {
            throw CommandFailure(
                "generate writes bulk NDJSON, not for a terminal: redirect it (> history.ndjson) or pipe it (| switchboard import -)")
        }
        try SyntheticData(
            location: LocationID(rawValue: location), messages: messages, conversations: conversations,
            largeConversationMessages: large, seed: seed, shape: realistic ? .realistic : .sequential
        ).generate { bytes in try FileHandle.standardOutput.write(contentsOf: bytes) }
    }
}
