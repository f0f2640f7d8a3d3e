public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process for the tests, started with `posix_spawn` and reaped with `wait4`, never through Foundation's
/// `Process`. On Linux that one over-reads `/proc/self/fd` entries on every `run()` and now and then crashes the test
/// process (swift-corelibs-foundation #5472; the more descriptors open, the likelier: the suites running on both
/// backends keep over a thousand open at their peak), and it learns that a child ended when a descriptor the child
/// inherited is closed, which a daemon the child starts (`pg_ctl start`) keeps open for ever.
///
/// The child gets stdin, stdout and stderr as asked and no other descriptor of this process.
public final class ChildProcess: Sendable {
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe: its other end is `standardInput`, `standardOutput` or `standardError`.
        case pipe
        /// A file, created or truncated (output only).
        case file(String)
    }

    public let processIdentifier: pid_t
    /// The write end of the child's stdin, when it is a pipe: `closeStandardInput()` when done writing.
    public let standardInput: Int32?
    /// The read ends of the child's stdout and stderr, when they are pipes; `readToEnd` closes them.
    public let standardOutput: Int32?
    public let standardError: Int32?
    /// The `wait4` status and the child's peak resident set (kilobytes), once it has been reaped.
    private let reaped = Mutex<(status: Int32, peakKilobytes: Int)?>(nil)

    /// Starts `arguments` (the first is the executable's path) with `environment`.
    public init(
        _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null
    ) throws {
        guard let executable = arguments.first else { throw ChildProcessError("no command") }
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil
            var attributes: posix_spawnattr_t? = nil
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // Our ends of the pipes, and the child's ends, which this process closes once the child has them.
        var ours: [Int32?] = [nil, nil, nil]
        var theirs: [Int32] = []
        defer { for fd in theirs { close(fd) } }
        for (target, stream) in [stdin, stdout, stderr].enumerated() {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, Int32(target), "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, Int32(target), path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            case .pipe:
                let (read, write) = try Self.makePipe()
                let (mine, child) = target == 0 ? (write, read) : (read, write)
                ours[target] = mine
                theirs.append(child)
                posix_spawn_file_actions_adddup2(&actions, child, Int32(target))
            }
        }
        // Sockets and pipes of other tests must not live on in the child, nor in a daemon it starts.
        Self.addCloseFrom(&actions, 3)
        // The test process may block or ignore signals (SIGPIPE); the child starts with the defaults.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            for fd in ours.compactMap({ $0 }) { close(fd) }
            throw ChildProcessError("posix_spawn \(executable): \(String(cString: strerror(spawned)))")
        }
        processIdentifier = pid
        (standardInput, standardOutput, standardError) = (ours[0], ours[1], ours[2])
    }

    // MARK: Waiting

    /// Whether the child is still running (reaping it if it has ended).
    public var isRunning: Bool { poll() == nil }

    /// The exit status, or 128 + the signal that ended it; nil while it runs.
    public var terminationStatus: Int32? { poll().map(Self.exitCode) }

    /// Whether it ended by calling exit (rather than by a signal); nil while it runs.
    public var exitedNormally: Bool? { poll().map { $0 & 0x7f == 0 } }

    /// Waits for the child to end, without holding a thread; returns `terminationStatus`.
    @discardableResult
    public func exitStatus() async -> Int32 {
        while true {
            if let status = poll() { return Self.exitCode(status) }
            // Cancelled: poll without sleeping rather than leave the child unreaped.
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Blocks until the child ends (for `defer` blocks, which cannot await).
    public func waitUntilExit() {
        while poll() == nil { usleep(10_000) }
    }

    /// The most memory the child held at once (its peak resident set, from `wait4`), in megabytes; nil while it runs.
    public var peakResidentMegabytes: Int? {
        guard poll() != nil else { return nil }
        return reaped.withLock { $0.map { $0.peakKilobytes / 1024 } }
    }

    /// Reaps the child if it has ended; its `wait4` status.
    private func poll() -> Int32? {
        reaped.withLock { reaped in
            if let reaped { return reaped.status }
            var status: Int32 = 0
            var usage = rusage()
            let result = wait4(processIdentifier, &status, WNOHANG, &usage)
            if result == processIdentifier {
                // Linux counts ru_maxrss in kilobytes.
                reaped = (status, usage.ru_maxrss)
            } else if result == -1 && errno == ECHILD {
                // Reaped by someone else: nothing more to learn.
                reaped = (0, 0)
            }
            return reaped?.status
        }
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    // MARK: Streams

    /// Writes `data` to the child's stdin and closes it, on a thread of its own (a full pipe would block).
    public func write(toStandardInput data: Data) async {
        guard let fd = standardInput else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                data.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = systemWrite(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                        if written < 0 && errno == EINTR { continue }
                        guard written > 0 else { break }
                        offset += written
                    }
                }
                close(fd)
                continuation.resume()
            }
        }
    }

    /// Reads `fd` to its end and closes it, on a thread of its own: a child may be waiting for this very process
    /// before it closes its output, and the concurrency pool has few threads (two on a two-core machine).
    public static func readToEnd(_ fd: Int32?) async -> Data {
        guard let fd else { return Data() }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: readToEndNow(fd)) }
        }
    }

    /// Reads `fd` to its end and closes it, blocking the calling thread.
    public static func readToEndNow(_ fd: Int32) -> Data {
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Calls `body` with each line of `fd` as it arrives (without its newline), on a thread of its own, until the
    /// end; then closes `fd`.
    public static func readLines(_ fd: Int32, _ body: @escaping @Sendable (String) -> Void) {
        Thread.detachNewThread {
            defer { close(fd) }
            var pending = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: 0x0A) {
                    body(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            if !pending.isEmpty { body(String(decoding: pending, as: UTF8.self)) }
        }
    }

    // MARK: Set-up

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ChildProcessError("pipe: errno \(errno)") }
        // Not inherited by children spawned meanwhile by other tests (the dup2 in our child clears the flag).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34), which Swift's Glibc module does not import.
    /// Without it (another libc) only the descriptors marked close-on-exec stay behind.
    private static func addCloseFrom<Actions>(_ actions: inout Actions, _ lowest: Int32) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutableRawPointer, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = withUnsafeMutablePointer(to: &actions) { unsafeBitCast(symbol, to: AddCloseFrom.self)($0, lowest) }
    }
}

/// `write(2)`, which the method `write(toStandardInput:)` hides inside the class.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, bytes, count)
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
