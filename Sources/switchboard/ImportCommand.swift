import ArgumentParser
import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import messages in the JSON `GET …/messages` serves: NDJSON, a JSON array, or an API document.",
        discussion: """
            The input is NDJSON (one message per line), a JSON array of messages, or a document that holds them \
            under `messages` (an export page, or a messages page as served). \
            Missing locations, contacts (id only) and conversations are created. A bad line (one that is not a \
            message, or one the store refuses: its id is taken, or its contact already has another conversation) is \
            reported with its number and skipped, and the import exits 1 unless --allow-skips; with --strict, every \
            bad line is reported and nothing at all is stored. A strict import, and any import into a SQLite database that holds no message yet, is one \
            transaction (all or nothing; on SQLite the server's writes wait for it); otherwise each batch is a \
            transaction.
            """)

    @Argument(help: "The file (NDJSON, a JSON array, or an API document), or - for standard input.") var file: String
    @Flag(help: "Store nothing unless every line is stored.") var strict = false
    @Flag(help: "Exit 0 even when bad lines were skipped (they are still reported).") var allowSkips = false
    @Flag(help: "Emit the imported messages' webhooks (InboundMessage/OutboundMessage) to the locations' subscriptions; a running server delivers them.")
    var webhooks = false
    @Option(help: """
        Messages read and written at a time. By default 5,000 into an empty SQLite database (one bulk load: small \
        batches keep it near 265 MB and go faster), 2,000 with --strict into a SQLite database that holds messages \
        (one transaction, indexes kept: about 220 MB), and 25,000 otherwise (each batch a transaction of its own, \
        which updates every conversation it touches once, so larger batches go somewhat faster; about 220 MB).
        """)
    var batchSize: Int?
    @Option(help: """
        Where the server serves files: a call's `recording` (Switchboard's extension of the message JSON, see the \
        README) is stored as an uploaded file and its URL, on this address, added to the call's attachments.
        """)
    var fileBaseURL = "http://127.0.0.1:8080"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let showProgress = isatty(STDERR_FILENO) == 1
        let started = ContinuousClock.now
        let strict = strict
        let lines = LineSource(path: file)
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if strict && allowSkips { throw ValidationError("--strict stores nothing when a line is bad; leave out --allow-skips") }
        guard let base = URL(string: fileBaseURL), ["http", "https"].contains(base.scheme?.lowercased() ?? ""),
            base.host?.isEmpty == false, base.query == nil
        else { throw ValidationError("--file-base-url must be an http or https URL, such as http://127.0.0.1:8080") }
        let importer = { [fileBaseURL] in
            var importer = MessageImporter(batchSize: batchSize)
            importer.emitsWebhooks = webhooks
            importer.fileBaseURL = fileBaseURL.hasSuffix("/") ? String(fileBaseURL.dropLast()) : fileBaseURL
            return importer
        }()
        // On a terminal, a progress line: drawn at each batch and redrawn twice a second, so the clock keeps moving
        // while the store builds its indexes and commits.
        let meter = ProgressMeter(started: started)
        let ticker = showProgress ? Task { await meter.tick() } : nil
        defer { ticker?.cancel() }
        // The input first: a file that cannot be read leaves no database behind.
        try lines.checkReadable()
        let summary = try await database.withStore(creating: true, logger: .cli()) { store in
            try await importer.run(lines: lines, into: store, strict: strict, logger: .cli()) { progress in
                if showProgress { meter.update(progress) }
            }
        }
        ticker?.cancel()
        if showProgress { meter.finish() }
        for problem in summary.problems.prefix(100) { Output.error(problem.description) }
        if summary.problems.count > 100 { Output.error("… and \(summary.problems.count - 100) more bad lines") }
        let seconds = (ContinuousClock.now - started).secondsValue
        let rate = seconds > 0 ? Int(Double(summary.imported) / seconds) : summary.imported
        if strict && !summary.problems.isEmpty {
            throw CommandFailure("\(summary.problems.count) bad lines; nothing was imported (--strict)")
        }
        Output.error(
            "imported \(counted(summary.imported, "message")) into \(counted(summary.conversations, "conversation")) in "
                + String(format: "%.2f", seconds) + " s (\(rate) messages/s); \(summary.problems.count) lines skipped")
        if !summary.problems.isEmpty && !allowSkips {
            throw CommandFailure(
                "\(summary.problems.count) bad lines were skipped (listed above); pass --allow-skips to accept that")
        }
    }
}

/// `1 message`, `2 messages`.
private func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

/// The import's progress line on a terminal (standard error), shared by the importer's callback and a ticker.
private final class ProgressMeter: Sendable {
    private struct State {
        var progress: ImportProgress?
        var finishingSince: ContinuousClock.Instant?
        var finished = false
    }

    private let started: ContinuousClock.Instant
    private let state = Mutex(State())

    init(started: ContinuousClock.Instant) {
        self.started = started
    }

    func update(_ progress: ImportProgress) {
        state.withLock { state in
            state.progress = progress
            if progress.phase == .finishing && state.finishingSince == nil { state.finishingSince = .now }
        }
        draw()
    }

    func tick() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            draw()
        }
    }

    /// Clears the line, for the summary that follows.
    func finish() {
        state.withLock { state in
            state.finished = true
            Output.progress("")
        }
    }

    /// Under the lock, so that no late redraw lands after `finish` cleared the line.
    private func draw() {
        state.withLock { state in
            guard !state.finished, let progress = state.progress else { return }
            let now = ContinuousClock.now
            Output.progress(progress.line(
                elapsed: (now - started).secondsValue, finishingFor: state.finishingSince.map { (now - $0).secondsValue } ?? 0))
        }
    }
}
