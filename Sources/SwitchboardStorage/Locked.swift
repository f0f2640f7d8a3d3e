import NIOConcurrencyHelpers

/// A value behind a lock, shared by every module of the server.
///
/// It takes a pthread mutex (through NIO) rather than the standard library's `Mutex` because on Linux `Mutex` is a
/// futex that ThreadSanitizer cannot see: every access under it is reported as a race, which would hide a real one.
public struct Locked<Value> {
    private let box: NIOLockedValueBox<Value>

    public init(_ value: Value) {
        box = NIOLockedValueBox(value)
    }

    /// Runs `body` with the value, holding the lock; keep it short and never `await` inside.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try box.withLockedValue(body)
    }
}

extension Locked: Sendable where Value: Sendable {}
