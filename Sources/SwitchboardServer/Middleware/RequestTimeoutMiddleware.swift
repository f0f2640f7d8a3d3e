import Hummingbird
import SwitchboardCore
import SwitchboardStorage

/// A request not answered within `timeout` becomes HighLevel's 503 (`SwitchboardError.requestTimeout`, rendered by
/// the error middleware around it); the handler still running is cancelled.
struct RequestTimeoutMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let timeout: Duration

    func handle(
        _ request: Request, context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        // The task group ends before this call returns, so `next` does not really escape; it is called exactly once,
        // from the racing child task, and the box only carries it there.
        try await withoutActuallyEscaping(next) { next in
            let handler = UncheckedSendableBox(value: next)
            return try await Self.race(timeout) { [context] in try await handler.value(request, context) }
        }
    }

    /// Races the handler against a deadline; the loser is cancelled.
    static func race(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> Response) async throws -> Response {
        try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await TimerSleep.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw SwitchboardError.requestTimeout
            }
            return response
        }
    }
}

/// Carries the non-Sendable `next` into the racing child task (see `handle`).
struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
}
