import Foundation
import ServiceLifecycle
import SwitchboardStorage
import SwitchboardCore

/// The `Date` header for responses written outside Hummingbird, formatted once a second (RFC 9110 IMF-fixdate).
final class HTTPDateCache: Service, Sendable {
    private let current = Locked(HTTPDateCache.format(Date()))

    var value: String { current.withLock { $0 } }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            current.withLock { $0 = Self.format(Date()) }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let iso = Timestamp(rawValue: seconds * 1000).iso8601  // YYYY-MM-DDTHH:MM:SS.000Z
        let parts = Array(iso.utf8)
        func text(_ range: Range<Int>) -> String { String(decoding: parts[range], as: UTF8.self) }
        let month = Int(text(5..<7)) ?? 1
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        return "\(weekday), \(text(8..<10)) \(months[month - 1]) \(text(0..<4)) \(text(11..<19)) GMT"
    }
}
