/// A point in time with millisecond precision, as HighLevel serves it: `2025-12-15T21:46:10.102Z`.
///
/// Stored as milliseconds since the Unix epoch; formatting and parsing are written out here because they run for
/// every message of every page, and Foundation's ISO-8601 formatter is both slow and allocation-heavy.
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64  // milliseconds since 1970-01-01T00:00:00Z

    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(millisecondsSince1970: Int64) { self.rawValue = millisecondsSince1970 }

    public var millisecondsSince1970: Int64 { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { iso8601 }

    /// Years 0001–9999 keep the four-digit form; everything we accept on input is inside that range.
    public static let earliest = Timestamp(rawValue: -62_135_596_800_000)
    public static let latest = Timestamp(rawValue: 253_402_300_799_999)

    public var iso8601: String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(24)
        appendISO8601(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.sssZ`.
    public func appendISO8601(to bytes: inout [UInt8]) {
        let clamped = min(max(rawValue, Self.earliest.rawValue), Self.latest.rawValue)
        let millisecondsPerDay: Int64 = 86_400_000
        var days = clamped / millisecondsPerDay
        var remainder = clamped % millisecondsPerDay
        if remainder < 0 {
            remainder += millisecondsPerDay
            days -= 1
        }
        let (year, month, day) = Self.civilDate(fromDaysSinceEpoch: days)
        let seconds = remainder / 1000
        appendDigits(Int(year), count: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(month), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(day), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(Int(seconds / 3600), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(seconds / 60 % 60), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(seconds % 60), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendDigits(Int(remainder % 1000), count: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    private func appendDigits(_ value: Int, count: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var value = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor))
            value %= divisor
            divisor /= 10
        }
    }

    /// Parses ISO-8601 date-times: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or `±HH:MM`,
    /// the forms HighLevel and JavaScript's `toISOString` produce. Returns nil for anything else.
    public init?(iso8601 text: some StringProtocol) {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += digits
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t")
        else { return nil }
        index += 1
        guard let hour = number(2), expect(":"), let minute = number(2) else { return nil }
        var second = 0
        var millisecond = 0
        if expect(":") {
            guard let parsed = number(2) else { return nil }
            second = parsed
            if expect(".") || expect(",") {
                var scale = 100
                var digits = 0
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                    millisecond += Int(bytes[index] - 0x30) * scale
                    scale /= 10
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offsetMinutes = 0
        if expect("Z") || expect("z") {
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2) else { return nil }
            _ = expect(":")
            guard let offsetMinutesPart = number(2), offsetHours <= 23, offsetMinutesPart <= 59 else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMinutesPart)
        } else {
            return nil
        }
        guard index == bytes.count, year >= 1, (1...12).contains(month), day >= 1,
            day <= Self.daysIn(month: month, year: year), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        let days = Self.daysSinceEpoch(year: Int64(year), month: Int64(month), day: Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        self.rawValue = seconds * 1000 + Int64(millisecond)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(fromDaysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let milliseconds = try? container.decode(Int64.self) {
            self.rawValue = milliseconds
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 date-time: \(text)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}
