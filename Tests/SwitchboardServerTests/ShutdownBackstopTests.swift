import Logging
import ServiceLifecycle
import Synchronization
import SwitchboardStorage
import Testing

@testable import SwitchboardServer

/// A SIGTERM ends the server within its grace period and a few seconds, also when something ignores cancellation.
@Suite struct ShutdownBackstopTests {
    /// Runs a group of `stubborn` services and a backstop (grace 500 ms, margin 1.5 s: wide enough that a group
    /// which ends in time does so under the load of the whole suite), triggers its graceful shutdown, and returns how
    /// long after that the backstop fired, or nil if it did not within 4 s.
    private func firesAfter(stubborn: StubbornService?) async throws -> Duration? {
        let fired = Fired()
        let logger = Logger(label: "test")
        let backstop = ShutdownBackstop(
            gracePeriod: .milliseconds(500), margin: .milliseconds(1_500), logger: logger,
            whenOverdue: {
                fired.now()
                stubborn?.release()
            })
        var configuration = ServiceGroupConfiguration(
            services: (stubborn.map { [$0] } ?? []) + [Idle(), backstop], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(500)
        let group = ServiceGroup(configuration: configuration)
        let triggered = Locked<ContinuousClock.Instant?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await group.run()
                backstop.disarm()
            }
            try await Task.sleep(for: .milliseconds(100))
            triggered.withLock { $0 = .now }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let start = try #require(triggered.withLock { $0 })
        // A group that ended in time: the backstop must stay quiet past its deadline too.
        try await Task.sleep(until: start + .seconds(4))
        return fired.instant.map { $0 - start }
    }

    @Test func firesWhenAServiceOutlivesTheGracePeriod() async throws {
        let after = try #require(try await firesAfter(stubborn: StubbornService()))
        #expect(after >= .seconds(2))
        #expect(after < .seconds(4))
    }

    @Test func staysQuietWhenTheShutdownEndsInTime() async throws {
        #expect(try await firesAfter(stubborn: nil) == nil)
    }
}

/// Runs until its graceful shutdown.
private struct Idle: Service {
    func run() async throws { try? await gracefulShutdown() }
}

/// Ignores graceful shutdown and cancellation alike, until released.
private final class StubbornService: Service, Sendable {
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let released = Mutex(false)

    func run() async throws {
        await withCheckedContinuation { continuation in
            let alreadyReleased = released.withLock { $0 }
            if alreadyReleased { continuation.resume() } else { waiter.withLock { $0 = continuation } }
        }
    }

    func release() {
        released.withLock { $0 = true }
        waiter.withLock { waiting in
            waiting?.resume()
            waiting = nil
        }
    }
}

private final class Fired: Sendable {
    private let when = Mutex<ContinuousClock.Instant?>(nil)
    func now() { when.withLock { $0 = $0 ?? .now } }
    var instant: ContinuousClock.Instant? { when.withLock { $0 } }
}
