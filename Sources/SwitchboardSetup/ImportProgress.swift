import Foundation

/// How far an import has come, as `MessageImporter.run` reports it after each batch and once more before the store
/// builds its indexes and commits.
public struct ImportProgress: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// Reading the input and writing its batches.
        case reading
        /// Every batch is written; the store writes the conversations' summaries, builds its indexes and commits.
        case finishing
    }

    public var phase: Phase
    public var messages: Int
    public var bytesRead: Int
    /// The input's size, when it is a file (not standard input or a pipe).
    public var totalBytes: Int?

    public init(phase: Phase, messages: Int, bytesRead: Int, totalBytes: Int?) {
        self.phase = phase
        self.messages = messages
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
    }

    /// The line a terminal shows, within 80 columns: a bar with the share of the input written, the messages, their
    /// rate and the time left; then, while the store finishes, how long it has been at that. `elapsed` is the seconds
    /// since the import began, `finishingFor` those since it began to finish.
    public func line(elapsed: Double, finishingFor: Double = 0, barWidth: Int = 20) -> String {
        let rate = elapsed > 0 ? Int(Double(messages) / elapsed) : 0
        switch phase {
        case .reading:
            guard let totalBytes, totalBytes > 0 else {
                return "importing \(Self.grouped(messages)) messages, \(Self.grouped(rate))/s, \(Self.size(bytesRead)) read"
            }
            let share = min(1, Double(bytesRead) / Double(totalBytes))
            let left = share > 0 ? elapsed * (1 - share) / share : nil
            return "importing " + Self.percent(share) + " " + Self.bar(share, width: barWidth)
                + " \(Self.grouped(messages)) messages, \(Self.grouped(rate))/s, ETA " + (left.map(Self.clock) ?? "-:--")
        case .finishing:
            return "importing 100% " + Self.bar(1, width: barWidth) + " building indexes and committing, "
                + Self.clock(finishingFor)
        }
    }

    static func percent(_ share: Double) -> String {
        let text = "\(Int((share * 100).rounded(.down)))%"
        return String(repeating: " ", count: max(0, 4 - text.count)) + text
    }

    static func bar(_ share: Double, width: Int) -> String {
        let filled = Int((share * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// Bytes as KB, MB or GB (powers of 1,000), one decimal.
    static func size(_ bytes: Int) -> String {
        let units: [(Double, String)] = [(1e9, "GB"), (1e6, "MB"), (1e3, "KB")]
        for (scale, unit) in units where Double(bytes) >= scale {
            return String(format: "%.1f %@", Double(bytes) / scale, unit)
        }
        return "\(bytes) B"
    }

    /// Seconds as m:ss, or h:mm:ss from an hour.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
