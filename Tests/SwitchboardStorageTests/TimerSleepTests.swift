import SwitchboardStorage
import Testing

/// The request timeout's sleep: it ends on time, and a cancelled one ends at once (its timer removed, which is what
/// keeps a busy server's memory flat).
@Suite struct TimerSleepTests {
    @Test func sleepsForTheDuration() async throws {
        let start = ContinuousClock.now
        try await TimerSleep.sleep(for: .milliseconds(100))
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }

    @Test func cancellingEndsItAtOnceWithCancellationError() async throws {
        let start = ContinuousClock.now
        let sleeping = Task { try await TimerSleep.sleep(for: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        sleeping.cancel()
        await #expect(throws: CancellationError.self) { try await sleeping.value }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func aTaskCancelledBeforeItSleepsDoesNotSleep() async throws {
        let start = ContinuousClock.now
        let sleeping = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await TimerSleep.sleep(for: .seconds(30))
        }
        await #expect(throws: CancellationError.self) { try await sleeping.value }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    /// Many racing starts and cancellations: every sleep ends, none twice (a double resume would crash).
    @Test func racesBetweenTimerAndCancellationResumeEachSleepOnce() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2_000 {
                let sleeping = Task { try? await TimerSleep.sleep(for: .microseconds(index % 50)) }
                group.addTask {
                    if index % 2 == 0 { sleeping.cancel() }
                    await sleeping.value
                }
            }
            try await group.waitForAll()
        }
    }
}
