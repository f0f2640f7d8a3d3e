import Hummingbird
import HTTPTypes
import Logging

/// The outermost middleware: a request id (`X-Request-Id`, accepted from the client or generated, and echoed),
/// the request logger's metadata, one access-log line per request at info, and the request metrics.
struct ObservationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let requestIdHeader = HTTPField.Name("X-Request-Id")!  // a valid literal field name

    let metrics: ServerMetrics
    let accessLog: AccessLog
    /// The control API's request journal, when it is on.
    let journal: RequestJournal?

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let requestId = Self.acceptableRequestId(request.headers[Self.requestIdHeader]) ?? TraceID.make()
        // Every line of this request carries the id the client sees; Hummingbird's own id would be a second one.
        context.logger[metadataKey: "request.id"] = .string(requestId)
        context.logger[metadataKey: "hb.request.id"] = nil
        let note = journal != nil ? RequestNote() : nil
        context.note = note
        var response = try await next(request, context)
        response.headers[Self.requestIdHeader] = requestId
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(route: route, method: request.method.rawValue, status: response.status.code, duration: duration)
        accessLog.record(
            context.logger, method: request.method.rawValue, path: Substring(request.uri.path), status: response.status.code,
            route: route, duration: duration, requestId: requestId, door: .router)
        if let journal, let note, !request.uri.path.hasPrefix("/_switchboard/") {
            journal.record(
                method: request.method.rawValue, path: request.uri.description, status: response.status.code,
                location: note.location)
        }
        return response
    }

    /// A client's id is echoed only if it is short printable ASCII, so logs cannot be forged or flooded.
    static func acceptableRequestId(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }
}
