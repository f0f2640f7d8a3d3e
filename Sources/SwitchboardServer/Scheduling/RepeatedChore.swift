import Logging
import ServiceLifecycle
import SwitchboardStorage

/// Runs `chore` after `first`, then every `interval`, until the server stops. A chore that fails (a store that cannot
/// be reached now) is logged with `failure` and tried again at its next time; one that fails because the server is
/// stopping ends the loop quietly.
func repeatUntilShutdown(
    first: Duration, every interval: Duration, logger: Logger, failure: Logger.Message,
    _ chore: @escaping @Sendable () async throws -> Void
) async {
    await cancelWhenGracefulShutdown {
        var wait = first
        while (try? await TimerSleep.sleep(for: wait)) != nil {
            wait = interval
            do {
                try await chore()
            } catch where !Task.isCancelled {
                logger.warning(failure, metadata: ["error": "\(error)"])
            } catch {
                return
            }
        }
    }
}
