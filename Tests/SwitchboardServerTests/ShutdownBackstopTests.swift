import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import SwitchboardServer

/// A SIGTERM ends the server within its grace period and a few seconds, also when something ignores cancellation.
@Suite struct ShutdownBackstopTests {
    /// Runs a group of `stubborn` services and a backstop (grace 200 ms, margin 300 ms), triggers its graceful
    /// shutdown, and returns how long after that the backstop fired, or nil if it did not within 2 s.
    private func firesAfter(stubborn: StubbornService?) async throws -> Duration? {
        let fired = Fired()
        let logger = Logger(label: "test")
        let backstop = ShutdownBackstop(
            gracePeriod: .milliseconds(200), margin: .milliseconds(300), logger: logger,
            whenOverdue: {
                fired.now()
                stubborn?.release()
            })
        var configuration = ServiceGroupConfiguration(
            services: (stubborn.map { [$0] } ?? []) + [Idle(), backstop], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(200)
        let group = ServiceGroup(configuration: configuration)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await group.run()
                backstop.disarm()
            }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // A group that ended in time: the backstop must stay quiet past its deadline too.
        try await Task.sleep(for: .milliseconds(800))
        return fired.instant.map { $0 - started - .milliseconds(100) }
    }

    @Test func firesWhenAServiceOutlivesTheGracePeriod() async throws {
        let after = try #require(try await firesAfter(stubborn: StubbornService()))
        #expect(after >= .milliseconds(500))
        #expect(after < .seconds(2))
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
