import Logging
import SwitchboardCore
import SwitchboardStorage

/// One access-log line per request, the same fields from either door: the router's (`ObservationMiddleware`) and the
/// hot path's. At `info`; the message is `METHOD PATH STATUS`, the metadata the route template, the time taken, the
/// request id (the client's `X-Request-Id` or the one generated and echoed), and which door answered.
public struct AccessLog: Sendable {
    /// Where the lines go. `logger` hands each to the request's swift-log handler, like any other entry; `text` and
    /// `json` write the line that `TextLogHandler` or `serve --log-format json` would have written for it, straight
    /// onto a `LogWriter`: a line per request through swift-log's general path (a metadata dictionary, an event, the
    /// handler's formatting) cost a quarter of the hot path's throughput, this costs a few per cent. (Metadata
    /// the request's logger carries besides the request id is left out of these lines.)
    public enum Destination: Sendable {
        case logger
        case text(LogWriter)
        case json(LogWriter)
    }

    enum Door: String { case router, hot }

    public var destination: Destination

    public init(_ destination: Destination = .logger) {
        self.destination = destination
    }

    func record(
        _ logger: Logger, method: String, path: Substring, status: Int, route: String, duration: Duration,
        requestId: String, door: Door
    ) {
        guard logger.logLevel <= .info else { return }
        switch destination {
        case .logger:
            logger.info(
                "\(method) \(path) \(status)",
                metadata: [
                    "route": .string(route),
                    "duration_ms": .stringConvertible(Double(duration.wholeNanoseconds) / 1e6),
                    "request.id": .string(requestId),
                    "door": .string(door.rawValue),
                ])
        case .text(let writer):
            var line: [UInt8] = []
            line.reserveCapacity(96 + path.utf8.count + route.utf8.count + requestId.utf8.count)
            TextLogHandler.appendPrefix(.info, label: logger.label, to: &line)
            line.append(contentsOf: method.utf8)
            line.append(0x20)
            line.append(contentsOf: path.utf8)
            line.append(0x20)
            Self.appendDecimal(status, to: &line)
            // Keys in TextLogHandler's order (sorted).
            line.append(contentsOf: " door=".utf8)
            line.append(contentsOf: door.rawValue.utf8)
            line.append(contentsOf: " duration_ms=".utf8)
            Self.appendMilliseconds(duration, to: &line)
            line.append(contentsOf: " request.id=".utf8)
            line.append(contentsOf: requestId.utf8)
            line.append(contentsOf: " route=".utf8)
            line.append(contentsOf: route.utf8)
            line.append(0x0A)
            writer.append(line)
        case .json(let writer):
            // Keys sorted, as the JSON handler writes them; the values go through JSONWriter's escaping.
            var json = JSONWriter(capacity: 160 + path.utf8.count + route.utf8.count + requestId.utf8.count)
            json.beginObject()
            json.key("door"); json.string(door.rawValue)
            json.key("duration_ms")
            var milliseconds: [UInt8] = []
            Self.appendMilliseconds(duration, to: &milliseconds)
            json.raw(milliseconds)
            json.key("label"); json.string(logger.label)
            json.key("level"); json.string("info")
            json.key("message"); json.string("\(method) \(path) \(status)")
            json.key("request.id"); json.string(requestId)
            json.key("route"); json.string(route)
            json.key("time"); json.timestamp(.now())
            json.endObject()
            json.newline()
            writer.append(json.bytes)
        }
    }

    /// Milliseconds to the microsecond, `0.042`: integer arithmetic, no `Double` to text.
    static func appendMilliseconds(_ duration: Duration, to line: inout [UInt8]) {
        let microseconds = max(0, Int(duration.wholeNanoseconds / 1000))
        appendDecimal(microseconds / 1000, to: &line)
        line.append(0x2E)
        let fraction = microseconds % 1000
        line.append(UInt8(48 + fraction / 100))
        line.append(UInt8(48 + fraction / 10 % 10))
        line.append(UInt8(48 + fraction % 10))
    }

    private static func appendDecimal(_ value: Int, to line: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &line) }
        line.append(UInt8(48 + value % 10))
    }
}
