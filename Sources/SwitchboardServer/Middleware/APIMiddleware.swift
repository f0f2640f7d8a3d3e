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
    let failures: AuthenticationFailureBudget
    let rateLimiter: RateLimiter?
    let faults: FaultInjector?
    /// Faults set at run time through the control API.
    let faultRules: FaultRules?

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        try failures.check(context.clientAddress)
        let principal: Principal
        do {
            principal = try await gatekeeper.authenticate(request, logger: context.logger)
        } catch let error as SwitchboardError where error.statusCode == 401 {
            failures.recordFailure(context.clientAddress)
            throw error
        }
        context.principal = principal
        context.note?.location = principal.locationId
        // Faults are drawn after authentication, as a real outage would still have checked the token first.
        if let faults {
            let (latency, fault) = faults.draw()
            if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
            switch fault {
            case .none: break
            case .tooManyRequests: throw Self.injected(status: 429, policy: rateLimiter?.policy ?? .highLevel)
            case .serverError: throw Self.injected(status: 503, policy: rateLimiter?.policy ?? .highLevel)
            }
        }
        if let faultRules, let status = faultRules.draw(
            route: "\(request.method) \(context.endpointPath ?? "")", location: principal.locationId)
        {
            throw Self.injected(status: status, policy: rateLimiter?.policy ?? .highLevel)
        }
        guard let rateLimiter else { return try await next(request, context) }
        let state = try await rateLimiter.admitWaiting(principal.rateLimitKey)
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

extension APIMiddleware {
    /// An injected fault as HighLevel would answer it: a 429 with its rate-limit headers, or a 503.
    static func injected(status: Int, policy: RateLimitPolicy) -> any Error {
        switch status {
        case 429:
            RateLimitedError(
                state: RateLimitState(
                    allowed: false, burstRemaining: 0, dailyRemaining: policy.daily / 2, retryAfterSeconds: 1,
                    policy: policy))
        default: SwitchboardError.serviceUnavailable
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
