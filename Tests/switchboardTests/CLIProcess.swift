import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import SwitchboardTestSupport
import Testing

/// The `switchboard` binary built by `swift build` (scripts/test.sh exports its path).
func switchboardBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["SWITCHBOARD_BINARY"] {
        return URL(fileURLWithPath: path)
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let url = root.appendingPathComponent(".build/debug/switchboard")
    try #require(FileManager.default.isExecutableFile(atPath: url.path), "build the CLI first: swift build")
    return url
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The command's peak resident set, in megabytes.
    var peakResidentMegabytes: Int
}

/// Runs the CLI to completion.
func runCLI(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) async throws -> CommandResult {
    let child = try ChildProcess(
        [try switchboardBinary().path] + arguments,
        environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
        stdin: .pipe, stdout: .pipe, stderr: .pipe)
    // Both pipes are read at once, so that neither fills up and blocks the child.
    async let out = ChildProcess.readToEnd(child.standardOutput)
    async let err = ChildProcess.readToEnd(child.standardError)
    await child.write(toStandardInput: stdin ?? Data())
    let (stdoutData, stderrData) = await (out, err)
    return CommandResult(
        status: await child.exitStatus(), stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self), peakResidentMegabytes: child.peakResidentMegabytes ?? 0)
}

/// `switchboard serve` as a child process, with its stdout lines collected as they come, and the last of its stderr
/// lines (its log) kept to say why a start failed.
final class ServerProcess: Sendable {
    let process: ChildProcess
    private let lines = Lines()
    private let log = Lines(keepingLast: 40)

    init(database: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        // Port 0: the system picks a free port at bind time. A port picked beforehand can be taken by another
        // suite's server before this one binds it.
        process = try ChildProcess(
            [try switchboardBinary().path, "serve", "--port", "0", "--database", database] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: .pipe,
            stderr: .pipe)
        if let output = process.standardOutput {
            ChildProcess.readLines(output) { [lines] line in lines.append(line) }
        }
        if let errors = process.standardError {
            ChildProcess.readLines(errors) { [log] line in log.append(line) }
        }
    }

    var output: [String] { lines.all }
    /// The last lines of its standard error (its log, and what `serve` says there besides).
    var logLines: [String] { log.all }

    private final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        /// How many of the latest lines are kept (a log can be long); nil for all.
        private let limit: Int?

        init(keepingLast limit: Int? = nil) { self.limit = limit }

        func append(_ line: String) {
            lines.withLock { lines in
                lines.append(line)
                if let limit, lines.count > limit { lines.removeFirst(lines.count - limit) }
            }
        }
        var all: [String] { lines.withLock { $0 } }
    }

    /// The port on the `listening on http://HOST:PORT …` line; 0 until the server has printed it.
    var port: Int {
        guard let line = output.last(where: { $0.hasPrefix("listening on ") }),
            let address = line.split(separator: " ").dropFirst(2).first,
            let port = address.split(separator: ":").last.flatMap({ Int($0) })
        else { return 0 }
        return port
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The id on the last `conversation: ID CHANNEL (N messages)` line of a `--demo` start.
    var lastConversation: Substring? {
        output.last { $0.hasPrefix("conversation: ") }?.split(separator: " ").dropFirst().first
    }

    /// Waits until the server has printed its last start line (`listening on …`, after the token and the demo's
    /// conversations) and answers /healthz (at most 60 s: in the loaded CLI phase a first start, which makes the
    /// store and its keys, once printed nothing for 20 s).
    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if output.last?.hasPrefix("listening on ") == true,
                let response = try? await get("/healthz", headers: [:]), response.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("server did not start; output: \(output); its log's last lines: \(log.all)")
        throw CancellationError()
    }

    func get(_ path: String, headers: [String: String]) async throws -> (status: Int, body: String) {
        try await send(.GET, path, headers: headers)
    }

    func send(_ method: HTTPMethod, _ path: String, headers: [String: String], json: String? = nil) async throws
        -> (status: Int, body: String)
    {
        try await httpExchange(baseURL + path, method, headers: headers, json: json)
    }

    /// A metric without labels from the server's `/metrics`; nil when it is not there.
    func metric(_ name: String) async throws -> Double? {
        let exposition = try await get("/metrics", headers: [:]).body
        let line = exposition.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// Signals the server and reaps it on a thread of its own, without waiting (for `defer` blocks, which cannot
    /// await; blocking there would hold a thread of the concurrency pool that other suites' servers need).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        Thread.detachNewThread { [process] in process.waitUntilExit() }
    }

    /// Signals the server and waits until it has exited (before another server opens the same database).
    func stopAndWait(signal: Int32 = SIGTERM) async {
        if process.isRunning { kill(process.processIdentifier, signal) }
        await process.exitStatus()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGTERM) } }
}

/// One HTTP request (a JSON body when `json` is given), answered within 10 s: its status and body.
func httpExchange(_ url: String, _ method: HTTPMethod, headers: [String: String], json: String? = nil) async throws
    -> (status: Int, body: String)
{
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 16 << 20)
    return (Int(response.status.code), String(buffer: body))
}

/// A database path in a new directory of its own. scripts/test.sh removes every one at the end of its run; a test
/// that writes a lot removes its own (`removeTemporaryDatabase`).
func temporaryDatabase() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("switchboard.sqlite").path
}

/// Removes the directory `temporaryDatabase()` made for `path`, and everything in it.
func removeTemporaryDatabase(_ path: String) {
    try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
}
