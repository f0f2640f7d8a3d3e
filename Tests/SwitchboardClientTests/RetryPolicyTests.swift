import NIOHTTP1
import SwitchboardCore
import Testing

@testable import SwitchboardClient

@Suite("Retry policy decisions")
struct RetryPolicyTests {
    let policy = RetryPolicy(
        maximumAttempts: 5, initialBackoff: .milliseconds(200), maximumBackoff: .seconds(2), maximumTotalWait: .seconds(10),
        sleep: { _ in }, random: { 1 })

    @Test(arguments: [429, 502, 503, 504])
    func retryableStatusesAreRetriedForReads(_ status: Int) {
        #expect(policy.delay(after: .status(status, RateLimitStatus()), attempt: 1, waited: .zero, mayCreate: false) != nil)
    }

    @Test(arguments: [400, 401, 403, 404, 422, 500])
    func otherStatusesAreNot(_ status: Int) {
        #expect(policy.delay(after: .status(status, RateLimitStatus()), attempt: 1, waited: .zero, mayCreate: false) == nil)
    }

    @Test func createsAreRetriedOnlyWhenProvablyUnprocessed() {
        let none = RateLimitStatus()
        #expect(policy.delay(after: .status(503, none), attempt: 1, waited: .zero, mayCreate: true) == nil)
        #expect(policy.delay(after: .status(502, none), attempt: 1, waited: .zero, mayCreate: true) == nil)
        #expect(policy.delay(after: .transport(.maybeSent), attempt: 1, waited: .zero, mayCreate: true) == nil)
        #expect(policy.delay(after: .status(429, none), attempt: 1, waited: .zero, mayCreate: true) != nil)
        #expect(policy.delay(after: .transport(.notSent), attempt: 1, waited: .zero, mayCreate: true) != nil)
        #expect(policy.delay(after: .transport(.maybeSent), attempt: 1, waited: .zero, mayCreate: false) != nil)
        #expect(policy.delay(after: .transport(.fatal), attempt: 1, waited: .zero, mayCreate: false) == nil)
    }

    @Test func backoffDoublesUpToTheCapWithJitter() {
        let waits = (1...6).map { policy.backoff(attempt: $0) }
        #expect(waits == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600), .seconds(2), .seconds(2)])
        let low = RetryPolicy(initialBackoff: .milliseconds(200), random: { 0 })
        #expect(low.backoff(attempt: 1) == .milliseconds(100))
    }

    @Test func attemptsAndTotalWaitAreBounded() {
        let none = RateLimitStatus()
        #expect(policy.delay(after: .status(503, none), attempt: 5, waited: .zero, mayCreate: false) == nil)
        #expect(policy.delay(after: .status(503, none), attempt: 2, waited: .milliseconds(9700), mayCreate: false) == nil)
        #expect(policy.delay(after: .status(503, none), attempt: 2, waited: .milliseconds(9000), mayCreate: false) == .milliseconds(400))
        #expect(RetryPolicy.never.delay(after: .status(503, none), attempt: 1, waited: .zero, mayCreate: false) == nil)
    }

    @Test func serverRequestedWaitsWin() {
        let retryAfter = RateLimitStatus(interval: .seconds(10), burstRemaining: 0, retryAfter: .seconds(3))
        #expect(policy.delay(after: .status(429, retryAfter), attempt: 1, waited: .zero, mayCreate: false) == .seconds(3))
        let window = RateLimitStatus(interval: .milliseconds(2500), burstRemaining: 0)
        #expect(policy.delay(after: .status(429, window), attempt: 1, waited: .zero, mayCreate: false) == .milliseconds(2500))
        let budgetLeft = RateLimitStatus(interval: .seconds(10), burstRemaining: 5)
        #expect(policy.delay(after: .status(429, budgetLeft), attempt: 1, waited: .zero, mayCreate: false) == .milliseconds(200))
    }

    @Test func anExhaustedDailyBudgetIsNotWaitedFor() {
        let daily = RateLimitStatus(dailyLimit: 200_000, dailyRemaining: 0)
        #expect(policy.delay(after: .status(429, daily), attempt: 1, waited: .zero, mayCreate: false) == nil)
    }
}

@Suite("Rate-limit headers and error bodies")
struct RateLimitAndErrorBodyTests {
    @Test func headersAreReadCaseInsensitively() {
        let headers: HTTPHeaders = [
            "x-ratelimit-limit-daily": "200000", "X-RATELIMIT-DAILY-REMAINING": "199990",
            "X-RateLimit-Interval-Milliseconds": "10000", "X-RateLimit-Max": "100", "X-RateLimit-Remaining": " 0",
            "retry-after": "7",
        ]
        let status = RateLimitStatus(headers: headers)
        #expect(
            status
                == RateLimitStatus(
                    dailyLimit: 200_000, dailyRemaining: 199_990, interval: .seconds(10), burstLimit: 100,
                    burstRemaining: 0, retryAfter: .seconds(7)))
        #expect(RateLimitStatus(headers: [:]).isEmpty)
    }

    @Test func retryAfterMayBeAnHTTPDate() throws {
        let now = try #require(Timestamp(iso8601: "2015-10-21T07:28:00Z"))
        let status = RateLimitStatus(headers: ["Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"], now: now)
        #expect(status.retryAfter == .seconds(30))
        #expect(RateLimitStatus(headers: ["Retry-After": "soon"]).retryAfter == nil)
    }

    @Test func errorBodiesInEveryObservedShape() {
        func error(_ status: Int, _ body: String) -> HighLevelAPIError {
            HighLevelAPIError(status: status, body: Array(body.utf8), headers: [:], request: "GET /x", attempts: 1)
        }
        let list = error(422, #"{"statusCode":422,"message":["type must be a valid enum value","limit must be a number"],"error":"Unprocessable Entity"}"#)
        #expect(list.messages == ["type must be a valid enum value", "limit must be a number"])
        #expect(list.message == "type must be a valid enum value, limit must be a number")
        #expect(list.body == HighLevelErrorBody(statusCode: 422, messages: list.messages, error: "Unprocessable Entity"))

        let contacts = error(400, #"{"error":"Contact with id test not found","status":400}"#)
        #expect(contacts.messages == ["Contact with id test not found"])
        #expect(contacts.errorText == nil)

        let html = error(502, "<html><body>Bad gateway</body></html>")
        #expect(html.messages == ["Bad Gateway"])
        #expect(html.unparsedBody == "<html><body>Bad gateway</body></html>")

        let empty = error(429, "")
        #expect(empty.description == "HTTP 429 Too Many Requests: Too Many Requests (GET /x)")
    }
}
