import Foundation
import Hummingbird
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardStorage

/// Wraps HighLevel's API routes (not /healthz, /metrics, …): authenticates the caller, applies the rate limits
/// and injected faults, and puts HighLevel's `X-RateLimit-*` headers on every response, errors included.
struct APIMiddleware<Store: ConversationStore>: RouterMiddleware {
    typealias Context = AppRequestContext

    let gatekeeper: Gatekeeper<Store>
    let rateLimiter: RateLimiter?
    let faults: FaultInjector?

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let faults {
            let (latency, fault) = faults.draw()
            if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
            switch fault {
            case .none: break
            case .tooManyRequests:
                let policy = rateLimiter?.policy ?? .highLevel
                let state = RateLimitState(
                    allowed: false, burstRemaining: 0, dailyRemaining: policy.daily / 2,
                    retryAfterSeconds: 1, policy: policy)
                throw RateLimitedError(state: state)
            case .serverError:
                throw SwitchboardError.serviceUnavailable
            }
        }
        let principal = try await gatekeeper.authenticate(request, logger: context.logger)
        context.principal = principal
        guard let rateLimiter else { return try await next(request, context) }
        let now = Date()
        let state = rateLimiter.admit(
            principal.rateLimitKey, now: .now, day: Int64(now.timeIntervalSince1970) / 86_400)
        guard state.allowed else { throw RateLimitedError(state: state) }
        do {
            var response = try await next(request, context)
            for (name, value) in state.headers { response.headers[name] = value }
            return response
        } catch {
            throw ErrorWithHeaders(error: error, headers: state.headers)
        }
    }
}

/// A refused request: 429 with HighLevel's rate-limit headers and `Retry-After` (CONTRACT.md §8, §11 Q9).
struct RateLimitedError: Error {
    let state: RateLimitState
    var headers: [(HTTPField.Name, String)] { state.headers }
}

/// An error thrown past a middleware that had headers to add to whatever response the error becomes.
struct ErrorWithHeaders: Error {
    let error: any Error
    let headers: [(HTTPField.Name, String)]
}
