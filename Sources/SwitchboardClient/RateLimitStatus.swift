#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif
public import NIOHTTP1
public import SwitchboardCore

/// HighLevel's rate-limit headers (CONTRACT.md §8), read case-insensitively; absent headers stay nil.
public struct RateLimitStatus: Sendable, Hashable, CustomStringConvertible {
    /// `X-RateLimit-Limit-Daily`: requests allowed per day for this app and location.
    public var dailyLimit: Int?
    /// `X-RateLimit-Daily-Remaining`.
    public var dailyRemaining: Int?
    /// `X-RateLimit-Interval-Milliseconds`: the length of the burst window.
    public var interval: Duration?
    /// `X-RateLimit-Max`: requests allowed per burst window.
    public var burstLimit: Int?
    /// `X-RateLimit-Remaining`: requests left in the current burst window.
    public var burstRemaining: Int?
    /// `Retry-After`, as a delay (an HTTP-date is turned into the delay from `now`).
    public var retryAfter: Duration?

    public init(
        dailyLimit: Int? = nil, dailyRemaining: Int? = nil, interval: Duration? = nil, burstLimit: Int? = nil,
        burstRemaining: Int? = nil, retryAfter: Duration? = nil
    ) {
        self.dailyLimit = dailyLimit
        self.dailyRemaining = dailyRemaining
        self.interval = interval
        self.burstLimit = burstLimit
        self.burstRemaining = burstRemaining
        self.retryAfter = retryAfter
    }

    /// `now` turns an HTTP-date `Retry-After` into a delay; it defaults to the wall clock.
    public init(headers: HTTPHeaders, now: Timestamp? = nil) {
        func integer(_ name: String) -> Int? {
            headers.first(name: name).flatMap { Int($0.trimmingSpaces) }
        }
        dailyLimit = integer("X-RateLimit-Limit-Daily")
        dailyRemaining = integer("X-RateLimit-Daily-Remaining")
        interval = integer("X-RateLimit-Interval-Milliseconds").map { .milliseconds($0) }
        burstLimit = integer("X-RateLimit-Max")
        burstRemaining = integer("X-RateLimit-Remaining")
        retryAfter = headers.first(name: "Retry-After").flatMap { Self.parseRetryAfter($0, now: now ?? .wallClock) }
    }

    /// Whether any rate-limit header was present.
    public var isEmpty: Bool { self == RateLimitStatus() }

    /// The daily budget is spent: waiting for it is a matter of hours, so retrying is pointless.
    public var isDailyBudgetExhausted: Bool { dailyRemaining.map { $0 <= 0 } ?? false }

    public var description: String {
        var parts: [String] = []
        if let burstRemaining, let burstLimit { parts.append("\(burstRemaining)/\(burstLimit) left in window") }
        if let interval { parts.append("window \(interval.wholeMilliseconds) ms") }
        if let dailyRemaining, let dailyLimit { parts.append("\(dailyRemaining)/\(dailyLimit) left today") }
        if let retryAfter { parts.append("retry after \(retryAfter.readableSeconds)") }
        return parts.joined(separator: ", ")
    }

    /// `Retry-After: <seconds>` or `Retry-After: <IMF-fixdate>` (RFC 9110 §10.2.3).
    static func parseRetryAfter(_ value: String, now: Timestamp) -> Duration? {
        let trimmed = value.trimmingSpaces
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        guard let date = parseIMFFixdate(trimmed) else { return nil }
        return .milliseconds(max(0, date.rawValue - now.rawValue))
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, rewritten as ISO-8601 for `Timestamp`'s parser.
    static func parseIMFFixdate(_ text: String) -> Timestamp? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let monthIndex = months.firstIndex(of: String(parts[2])),
            parts[1].count == 2, parts[3].count == 4, parts[4].count == 8
        else { return nil }
        let month = monthIndex + 1
        let iso = "\(parts[3])-\(month < 10 ? "0" : "")\(month)-\(parts[1])T\(parts[4])Z"
        return Timestamp(iso8601: iso)
    }
}

extension Timestamp {
    static var wallClock: Timestamp {
        Timestamp(rawValue: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

extension Duration {
    /// `1.5s`, `250ms`: for log lines and error descriptions.
    var readableSeconds: String {
        let milliseconds = wholeMilliseconds
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let tenths = milliseconds / 100
        return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
    }
}
