extension Duration {
    /// Whole nanoseconds, rounded toward zero; saturating (a duration past 292 years is not one anybody waits).
    public var wholeNanoseconds: Int64 { whole(per: 1_000_000_000) }

    /// Whole milliseconds, rounded toward zero; saturating.
    public var wholeMilliseconds: Int64 { whole(per: 1000) }

    /// Seconds as a `Double`: for rates and progress lines, not for arithmetic that must be exact.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    private func whole(per second: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: second)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled + attoseconds / (1_000_000_000_000_000_000 / second)
    }
}
