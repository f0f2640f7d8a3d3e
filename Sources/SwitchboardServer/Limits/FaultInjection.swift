import SwitchboardStorage
import SwitchboardCore

/// Faults to inject into API responses, so clients can test their retries. Off unless asked for.
public struct FaultInjection: Sendable, Hashable {
    /// Probability (0…1) that an API request answers 429 with realistic rate-limit headers.
    public var tooManyRequests: Double = 0
    /// Probability (0…1) that an API request answers 503.
    public var serverError: Double = 0
    /// Extra latency added before each API request, in milliseconds, drawn uniformly from the range.
    public var latency: ClosedRange<Int>?
    /// Seed for the draws: the same seed and request order give the same faults.
    public var seed: UInt64 = 1

    public init() {}

    public var isActive: Bool { tooManyRequests > 0 || serverError > 0 || latency != nil }

    /// Parses `MS` or `MS-MS`.
    public static func parseLatency(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let low = Int(parts[0]), low >= 0 else { return nil }
        let high = parts.count == 2 ? Int(parts[1]) : low
        guard let high, high >= low, high <= 600_000 else { return nil }
        return low...high
    }
}

/// Draws faults from a seeded generator, one draw sequence for the whole process.
final class FaultInjector: Sendable {
    enum Fault: Equatable { case none, tooManyRequests, serverError }

    let configuration: FaultInjection
    private let generator: Locked<SeededGenerator>

    init(_ configuration: FaultInjection) {
        self.configuration = configuration
        generator = Locked(SeededGenerator(seed: configuration.seed))
    }

    /// The latency to add (milliseconds) and the fault to answer with, for one request.
    func draw() -> (latency: Int, fault: Fault) {
        generator.withLock { generator in
            var latency = 0
            if let range = configuration.latency {
                latency = range.lowerBound + Int(generator.next(upperBound: UInt64(range.count)))
            }
            let roll = Double(generator.next() >> 11) / Double(1 << 53)
            if roll < configuration.tooManyRequests { return (latency, .tooManyRequests) }
            if roll < configuration.tooManyRequests + configuration.serverError { return (latency, .serverError) }
            return (latency, .none)
        }
    }
}
