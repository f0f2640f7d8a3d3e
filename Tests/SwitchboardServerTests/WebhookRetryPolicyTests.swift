import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import Testing

/// The retry schedule on an injected clock: HighLevel's policy by default (CONTRACT.md §9.1), and what the options
/// change.
@Suite struct WebhookRetryPolicyTests {
    let start = Timestamp(rawValue: 1_767_225_600_000)
    let minute: Int64 = 60_000

    @Test func highLevelsPolicyRetriesA429SixTimesTenMinutesApart() {
        let policy = WebhookRetryPolicy()
        var now = start
        var schedule: [Int64] = []
        for attempt in 1...6 {
            let (outcome, next) = policy.outcome(attempt: attempt, status: 429, retryAfter: nil, now: now, random: 0)
            if attempt < 6 {
                #expect(outcome == .retry)
                #expect(next != nil)
                let due = next ?? now
                schedule.append((due.rawValue - start.rawValue) / minute)
                now = due
            } else {
                #expect(outcome == .dead)
                #expect(next == nil)
            }
        }
        #expect(schedule == [10, 20, 30, 40, 50])
    }

    @Test func jitterAddsUpToATenthOfTheInterval() {
        let policy = WebhookRetryPolicy()
        let earliest = policy.outcome(attempt: 1, status: nil, retryAfter: nil, now: start, random: 0).next
        let latest = policy.outcome(attempt: 1, status: nil, retryAfter: nil, now: start, random: 1).next
        let middle = policy.outcome(attempt: 1, status: nil, retryAfter: nil, now: start, random: 0.5).next
        #expect(earliest == Timestamp(rawValue: start.rawValue + 10 * minute))
        #expect(latest == Timestamp(rawValue: start.rawValue + 11 * minute))
        #expect(middle == Timestamp(rawValue: start.rawValue + 10 * minute + 30_000))
    }

    @Test func whatIsRetriedAndWhatIsFinal() {
        let policy = WebhookRetryPolicy()
        func outcome(_ status: Int?) -> WebhookAttempt.Outcome {
            policy.outcome(attempt: 1, status: status, retryAfter: nil, now: start, random: 0).outcome
        }
        #expect(outcome(200) == .delivered)
        #expect(outcome(204) == .delivered)
        #expect(outcome(nil) == .retry)  // refused, reset, timed out
        #expect(outcome(429) == .retry)
        #expect(outcome(500) == .dead)  // 5xx is final at HighLevel
        #expect(outcome(503) == .dead)
        #expect(outcome(404) == .dead)
        #expect(outcome(301) == .dead)  // redirects are not followed
        var retrying = policy
        retrying.retriesServerErrors = true
        #expect(retrying.outcome(attempt: 1, status: 503, retryAfter: nil, now: start, random: 0).outcome == .retry)
        #expect(retrying.outcome(attempt: 1, status: 404, retryAfter: nil, now: start, random: 0).outcome == .dead)
    }

    @Test func aLongerRetryAfterIsHonouredAShorterOneIsNot() {
        let policy = WebhookRetryPolicy()
        let longer = policy.outcome(attempt: 1, status: 429, retryAfter: .seconds(3_600), now: start, random: 0)
        #expect(longer.next == Timestamp(rawValue: start.rawValue + 60 * minute))
        let shorter = policy.outcome(attempt: 1, status: 429, retryAfter: .seconds(5), now: start, random: 0)
        #expect(shorter.next == Timestamp(rawValue: start.rawValue + 10 * minute))
    }

    @Test func theAttemptLimitCountsTheFirstAttempt() {
        var policy = WebhookRetryPolicy()
        policy.maximumAttempts = 1
        #expect(policy.outcome(attempt: 1, status: 429, retryAfter: nil, now: start, random: 0).outcome == .dead)
        policy.maximumAttempts = 2
        policy.interval = .milliseconds(200)
        let first = policy.outcome(attempt: 1, status: nil, retryAfter: nil, now: start, random: 0)
        #expect(first.outcome == .retry)
        #expect(first.next == Timestamp(rawValue: start.rawValue + 200))
        #expect(policy.outcome(attempt: 2, status: nil, retryAfter: nil, now: start, random: 0).outcome == .dead)
    }

    /// A receiver's Retry-After cannot overflow the clock (it once could trap the server, at every restart): it is
    /// read as whole seconds, and no wait is longer than a day.
    @Test func aHugeRetryAfterIsCappedAtADay() {
        #expect(WebhookRetryPolicy.retryAfter("99999999999999999") == .seconds(86_400))
        #expect(WebhookRetryPolicy.retryAfter(" 30 ") == .seconds(30))
        #expect(WebhookRetryPolicy.retryAfter("-1") == nil)
        #expect(WebhookRetryPolicy.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT") == nil)
        let policy = WebhookRetryPolicy()
        let capped = policy.outcome(
            attempt: 1, status: 429, retryAfter: WebhookRetryPolicy.retryAfter("99999999999999999"), now: start,
            random: 0)
        #expect(capped.next == Timestamp(rawValue: start.rawValue + 86_400_000))
        var long = WebhookRetryPolicy()
        long.interval = .seconds(Int64.max / 2)
        #expect(long.outcome(attempt: 1, status: nil, retryAfter: nil, now: start, random: 1).next
            == Timestamp(rawValue: start.rawValue + 86_400_000 + 8_640_000))
    }
}
