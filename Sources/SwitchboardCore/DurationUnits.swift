extension Duration {
    /// Whole nanoseconds, rounded toward zero; saturating (a duration past 292 years is not one anybody waits).
    public var wholeNanoseconds: Int64 { whole(per: 1_000_000_000) }

    /// Whole milliseconds, rounded toward zero; saturating.
    public var wholeMilliseconds: Int64 { whole(per: 1000) }

    /// Seconds as a `Double`: for rates and progress lines, not for arithmetic that must be exact.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// A whole number of ASCII digits and a unit (`200ms`, `10s`, `10m`, `12h`, `7d`), the number at most
    /// `maximumAmount`: how the command line and the test clock write durations.
    public init?(compact text: some StringProtocol, maximumAmount: Int64) {
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else { return nil }
        let digits = text.dropLast(unit.suffix.count)
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let amount = Int64(digits), amount <= maximumAmount
        else { return nil }
        self = .milliseconds(amount * unit.milliseconds)
    }

    /// The same form, in the largest unit that says it exactly (`90000ms` → `90s`, `86400s` → `1d`).
    public var compactDescription: String {
        let milliseconds = wholeMilliseconds
        for (suffix, scale) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] as [(String, Int64)]
        where milliseconds % scale == 0 {
            return "\(milliseconds / scale)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    private func whole(per second: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: second)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled + attoseconds / (1_000_000_000_000_000_000 / second)
    }
}
