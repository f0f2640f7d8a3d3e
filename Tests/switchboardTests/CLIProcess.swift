import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization
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
}

/// Runs the CLI to completion.
func runCLI(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) async throws -> CommandResult {
    let process = Process()
    process.executableURL = try switchboardBinary()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    let errors = Pipe()
    let input = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    let exit = ExitStatus()
    process.terminationHandler = { exit.set($0.terminationStatus) }
    try process.run()
    // Read both pipes concurrently so neither fills up and blocks the child.
    async let out = readToEnd(output.fileHandleForReading)
    async let err = readToEnd(errors.fileHandleForReading)
    if let stdin { try input.fileHandleForWriting.write(contentsOf: stdin) }
    try input.fileHandleForWriting.close()
    let (stdoutData, stderrData) = await (out, err)
    return CommandResult(
        status: await exit.value, stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Reads a pipe to its end on a thread of its own. Blocking one of the concurrency pool's few threads (two on a
/// two-core machine) can deadlock: the child may be waiting for this very process, as a CLI command waits for the
/// migration lock that an in-process PostgreSQL store of a test running beside it holds until its next step runs.
private func readToEnd(_ handle: FileHandle) async -> Data {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: handle.readDataToEndOfFile()) }
    }
}

/// A child's exit status, from `Process.terminationHandler`, awaited without blocking a thread.
private final class ExitStatus: Sendable {
    private enum State {
        case running
        case waiting(CheckedContinuation<Int32, Never>)
        case exited(Int32)
    }
    private let state = Mutex(State.running)

    func set(_ status: Int32) {
        let waiter = state.withLock { state -> CheckedContinuation<Int32, Never>? in
            defer { state = .exited(status) }
            if case .waiting(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume(returning: status)
    }

    var value: Int32 {
        get async {
            await withCheckedContinuation { continuation in
                let status = state.withLock { state -> Int32? in
                    if case .exited(let status) = state { return status }
                    state = .waiting(continuation)
                    return nil
                }
                if let status { continuation.resume(returning: status) }
            }
        }
    }
}

/// A port nothing listens on right now.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    try #require(bound)
    return Int(UInt16(bigEndian: address.sin_port))
}

/// `switchboard serve` as a child process, with its stdout lines collected as they come.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = Data()

    init(database: String, arguments: [String] = []) throws {
        port = try freePort()
        process.executableURL = try switchboardBinary()
        process.arguments = ["serve", "--port", String(port), "--database", database] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.append(handle.availableData)
        }
        try process.run()
    }

    private func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        partial.append(data)
        while let newline = partial.firstIndex(of: 0x0A) {
            lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
            partial = Data(partial[partial.index(after: newline)...])
        }
    }

    var output: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Waits until the server answers /healthz (at most 20 s).
    func waitUntilReady() async throws {
        for _ in 0..<200 {
            if let response = try? await get("/healthz", headers: [:]), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("server did not start; output: \(output)")
        throw CancellationError()
    }

    func get(_ path: String, headers: [String: String]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: baseURL + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    func stop(signal: Int32 = SIGTERM) {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}

func temporaryDatabase() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("switchboard.sqlite").path
}
