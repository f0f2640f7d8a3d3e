public import NIOCore
public import NIOPosix

/// Sleeping on an event loop's timer, for deadlines raced against work: the server's request timeout, the
/// PostgreSQL store's bounded wait for a connection.
///
/// A cancelled `Task.sleep` resumes at once but leaves its timer queued until the deadline. Racing every request
/// against a 30 s sleep that is nearly always cancelled, those leftover timers held ~700 MB at 30,000 requests/s and
/// slowed the server by half (measured). Cancelling this sleep removes its timer.
public enum TimerSleep {
    public static func sleep(
        for duration: Duration, on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    ) async throws {
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                sleeper.start(continuation, after: TimeAmount(duration), on: eventLoop)
            }
        } onCancel: {
            sleeper.cancel()
        }
    }

    /// One sleep: whichever of the timer and cancellation comes first resumes it, exactly once — also when either
    /// comes before the continuation is stored.
    private final class Sleeper: Sendable {
        private enum State {
            case starting
            case waiting(CheckedContinuation<Void, any Error>, Scheduled<Void>)
            case endedEarly(cancelled: Bool)
            case finished
        }

        private let state = Locked(State.starting)

        func start(_ continuation: CheckedContinuation<Void, any Error>, after delay: TimeAmount, on eventLoop: any EventLoop) {
            let scheduled = eventLoop.scheduleTask(in: delay) { [self] in end(cancelled: false) }
            let early = state.withLock { state -> Bool? in
                if case .endedEarly(let cancelled) = state {
                    state = .finished
                    return cancelled
                }
                state = .waiting(continuation, scheduled)
                return nil
            }
            switch early {
            case .some(true):
                scheduled.cancel()
                continuation.resume(throwing: CancellationError())
            case .some(false): continuation.resume()
            case .none: break
            }
        }

        func cancel() {
            end(cancelled: true)
        }

        private func end(cancelled: Bool) {
            let waiting = state.withLock { state -> (CheckedContinuation<Void, any Error>, Scheduled<Void>)? in
                switch state {
                case .starting:
                    state = .endedEarly(cancelled: cancelled)
                    return nil
                case .waiting(let continuation, let scheduled):
                    state = .finished
                    return (continuation, scheduled)
                case .endedEarly, .finished:
                    return nil
                }
            }
            guard let (continuation, scheduled) = waiting else { return }
            if cancelled {
                scheduled.cancel()
                continuation.resume(throwing: CancellationError())
            } else {
                continuation.resume()
            }
        }
    }
}
