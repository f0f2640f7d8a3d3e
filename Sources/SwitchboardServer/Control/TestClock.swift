import Synchronization
public import SwitchboardCore
public import SwitchboardStorage

/// The test clock (`serve --test-clock`): the wall clock moved by an offset that `POST /_switchboard/clock` sets. It
/// keeps running between moves, so writes still get distinct, ordered dates. Everything that reads the time reads
/// it when it is on: message dates, token and grant lifetimes, rate-limit windows, webhook retries.
public final class TestClock: Sendable {
    private let offsetMilliseconds = Atomic<Int64>(0)
    private let wall: @Sendable () -> Timestamp

    public init(wall: @escaping @Sendable () -> Timestamp = Timestamp.now) {
        self.wall = wall
    }

    public func now() -> Timestamp {
        Timestamp(rawValue: wall().rawValue + offsetMilliseconds.load(ordering: .relaxed))
    }

    /// How far ahead of the wall clock it is (behind, if negative).
    public var offset: Duration { .milliseconds(offsetMilliseconds.load(ordering: .relaxed)) }

    /// Moves it forward by `duration`; returns the new time.
    @discardableResult
    public func advance(by duration: Duration) -> Timestamp {
        offsetMilliseconds.add(duration.wholeMilliseconds, ordering: .relaxed)
        return now()
    }

    /// Moves it to `time`; returns the new time.
    @discardableResult
    public func set(to time: Timestamp) -> Timestamp {
        offsetMilliseconds.store(time.rawValue - wall().rawValue, ordering: .relaxed)
        return now()
    }

    /// Back to the wall clock (a reset does this).
    public func followWallClock() {
        offsetMilliseconds.store(0, ordering: .relaxed)
    }

    /// `25h`, `90m`, `1500ms`, `2d`, `30s`: a whole number of at most nine digits and a unit.
    public static func parseDuration(_ text: String) -> Duration? {
        Duration(compact: text, maximumAmount: 999_999_999)
    }
}
