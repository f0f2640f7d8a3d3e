#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Log lines written by a thread of their own, so that a request never waits for a `write(2)` or for another
/// thread's line: callers append finished bytes to a buffer under a short lock; the writer thread takes the whole
/// buffer every 20 ms (sooner when it passes 64 kB) and writes it out. The buffer is bounded: when the file descriptor
/// is slower than the log grows (a pipe nobody reads, a full disk), lines beyond `capacity` bytes are dropped and
/// counted rather than held or waited for, and the next write says how many were lost.
///
/// One per process and file descriptor; `flush()` before the process exits.
public final class LogWriter: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var droppedSinceWrite = 0
        var droppedInAll = 0
    }

    public let fileDescriptor: Int32
    public let capacity: Int
    private let state = Mutex(State())
    /// Held while bytes go out, so that lines keep their order when `flush()` and the writer thread meet.
    private let writing = Mutex(())
    private let wake = DispatchSemaphore(value: 0)
    private static let eagerBytes = 64 << 10

    /// The process's standard error, shared by every handler that writes there.
    public static let standardError = LogWriter(fileDescriptor: 2)

    /// `background: false` leaves every write to `flush()` (for tests that need to know when bytes go out).
    public init(fileDescriptor: Int32, capacity: Int = 8 << 20, background: Bool = true) {
        self.fileDescriptor = fileDescriptor
        self.capacity = capacity
        guard background else { return }
        // The thread ends with the writer (the process's own lives as long as the process).
        let wake = wake
        let thread = Thread { [weak self] in
            while true {
                _ = wake.wait(timeout: .now() + .milliseconds(20))
                guard let self else { return }
                self.drain()
            }
        }
        thread.name = "switchboard-log"
        thread.start()
    }

    /// Queues one line (its bytes, the newline included); never blocks on the file descriptor.
    public func append(_ line: some Collection<UInt8>) {
        let wakeWriter = state.withLock { state -> Bool in
            guard state.pending.count + line.count <= capacity else {
                state.droppedSinceWrite += 1
                state.droppedInAll += 1
                return false
            }
            let before = state.pending.count
            state.pending.append(contentsOf: line)
            return before < Self.eagerBytes && state.pending.count >= Self.eagerBytes
        }
        if wakeWriter { wake.signal() }
    }

    /// Lines dropped since the writer started, because the buffer was full.
    public var droppedLines: Int { state.withLock { $0.droppedInAll } }

    /// Writes out whatever is queued, now, on the caller's thread.
    public func flush() { drain() }

    private func drain() {
        writing.withLock { _ in
            let (bytes, dropped) = state.withLock { state -> ([UInt8], Int) in
                let taken = (state.pending, state.droppedSinceWrite)
                state.pending = []
                state.droppedSinceWrite = 0
                return taken
            }
            if !bytes.isEmpty { writeAll(bytes) }
            if dropped > 0 {
                writeAll(Array("switchboard: \(dropped) log lines dropped: the log was written slower than it grew\n".utf8))
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fileDescriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return  // A closed or broken descriptor: nothing more can be said there.
                }
            }
        }
    }
}
