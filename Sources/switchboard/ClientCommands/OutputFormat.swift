import ArgumentParser
import Foundation

/// How the client commands print what they fetch.
///
/// The default is a table when stdout is a terminal and NDJSON otherwise: NDJSON streams as pages arrive, and a
/// message listing piped to a file is exactly what `switchboard import` reads.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, ndjson, csv

    static func resolve(_ explicit: OutputFormat?) -> OutputFormat {
        explicit ?? (Terminal.standardOutputIsTerminal ? .table : .ndjson)
    }

    static let help = ArgumentHelp(
        "table, json, ndjson or csv (default: table on a terminal, ndjson otherwise).", valueName: "format")
}

/// Standard output written in large chunks: a 100,000-message listing would otherwise make 100,000 write calls.
struct BufferedOutput {
    private var buffer: [UInt8] = []
    private let threshold = 1 << 16

    init() {
        buffer.reserveCapacity(threshold + 4096)
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        flushIfFull()
    }

    mutating func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        flushIfFull()
    }

    mutating func line(_ text: String) {
        write(text + "\n")
    }

    private mutating func flushIfFull() {
        if buffer.count >= threshold { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

enum Terminal {
    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }
    static var standardOutputIsTerminal: Bool { isTerminal(STDOUT_FILENO) }

    /// The width to fit table rows to: `COLUMNS`, else the terminal's, else 120.
    static var width: Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 40 { return columns }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 40 { return Int(size.ws_col) }
        return 120
    }

    /// One table cell: control characters and newlines flattened, cut to `width` characters, padded unless last.
    static func cell(_ text: String, width: Int, pad: Bool = true) -> String {
        var flat = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        if flat.count > width { flat = String(flat.prefix(max(0, width - 1))) + "…" }
        return pad ? flat.padding(toLength: width, withPad: " ", startingAt: 0) : flat
    }

    /// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
    static func csv(_ text: String?) -> String {
        guard let text else { return "" }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `2026-01-01 09:30:00` (UTC), from the API's ISO-8601 form.
    static func date(_ iso8601: String) -> String {
        String(iso8601.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}

/// Progress on stderr while `--all` walks pages: rewritten in place on a terminal, silent otherwise.
struct PageProgress {
    let noun: String
    private let enabled: Bool
    private(set) var items = 0
    private(set) var pages = 0

    init(noun: String, enabled: Bool) {
        self.noun = noun
        self.enabled = enabled && Terminal.isTerminal(STDERR_FILENO)
    }

    mutating func page(items count: Int) {
        pages += 1
        items += count
        if enabled { Output.progress("fetched \(items) \(noun) (\(pages) pages)") }
    }

    /// Clears the progress line and leaves one summary line.
    func finish() {
        if enabled { Output.progress("") }
        Output.error("fetched \(items) \(noun) in \(pages) \(pages == 1 ? "page" : "pages")")
    }
}
