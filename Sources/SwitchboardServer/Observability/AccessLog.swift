import Logging

/// One access-log line per request, the same fields from either door: the router's (`ObservationMiddleware`) and the
/// hot path's. At `info`; the message is `METHOD PATH STATUS`, the metadata the route template, the time taken, the
/// request id (the client's `X-Request-Id` or the one generated and echoed), and which door answered.
enum AccessLog {
    enum Door: String { case router, hot }

    static func record(
        _ logger: Logger, method: String, path: Substring, status: Int, route: String, duration: Duration,
        requestId: String, door: Door
    ) {
        guard logger.logLevel <= .info else { return }
        logger.info(
            "\(method) \(path) \(status)",
            metadata: [
                "route": .string(route),
                "duration_ms": .stringConvertible(Double(duration.nanoseconds) / 1e6),
                "request.id": .string(requestId),
                "door": .string(door.rawValue),
            ])
    }
}
