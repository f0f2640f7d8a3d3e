public import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardStorage

/// The outermost middleware: gives every request its trace id and turns every error into HighLevel's JSON error
/// body (CONTRACT.md §7). This is the only place errors become HTTP responses.
public struct HighLevelErrorMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    /// A request not answered within this time becomes a 503; `.zero` disables the limit.
    let requestTimeout: Duration

    public init(requestTimeout: Duration = .zero) {
        self.requestTimeout = requestTimeout
    }

    public func handle(
        _ request: Request, context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.traceId = TraceID.make()
        do {
            guard requestTimeout > .zero else { return try await next(request, context) }
            // The task group ends before this call returns, so `next` does not really escape; it is called exactly
            // once, from the racing child task, and the box only carries it there.
            return try await withoutActuallyEscaping(next) { next in
                let handler = UncheckedSendableBox(value: next)
                return try await Self.withTimeout(requestTimeout) { [context] in try await handler.value(request, context) }
            }
        } catch {
            // A body whose framing broke (a bad chunk, a stream cut short) leaves nothing to answer on: Hummingbird
            // answers 400 and closes the connection, as for every malformed request. Anything else is answered here.
            if let parserError = Self.parserError(in: error) { throw parserError }
            return Self.response(for: error, request: request, context: context)
        }
    }

    static func parserError(in error: any Error) -> HTTPParserError? {
        (error as? HTTPParserError) ?? ((error as? ErrorWithHeaders)?.error as? HTTPParserError)
    }

    /// Races the handler against a deadline; the loser is cancelled.
    static func withTimeout(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> Response
    ) async throws -> Response {
        try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await TimerSleep.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw SwitchboardError.requestTimeout
            }
            return response
        }
    }

    static func response(for error: any Error, request: Request, context: AppRequestContext) -> Response {
        switch error {
        case let wrapped as ErrorWithHeaders:
            var response = response(for: wrapped.error, request: request, context: context)
            add(wrapped.headers, to: &response)
            return response
        case let limited as RateLimitedError:
            var response = response(for: SwitchboardError.tooManyRequests, traceId: context.traceId)
            add(limited.headers, to: &response)
            return response
        case let throttled as AuthenticationThrottled:
            var response = response(for: SwitchboardError.tooManyRequests, traceId: context.traceId)
            add(throttled.headers, to: &response)
            return response
        case let refused as OAuthTokenError:
            // POST /oauth/token answers in OAuth's error shape, not HighLevel's API shape.
            var response = JSONResponse.make(
                status: HTTPResponse.Status(code: refused.status), bytes: refused.jsonBytes(traceId: context.traceId))
            response.headers[.cacheControl] = "no-store"
            return response
        default:
            return response(for: classify(error, request: request, logger: context.logger), traceId: context.traceId)
        }
    }

    private static func add(_ headers: [(HTTPField.Name, String)], to response: inout Response) {
        for (name, value) in headers { response.headers[name] = value }
    }

    static func classify(_ error: any Error, request: Request, logger: Logger) -> SwitchboardError {
        switch error {
        case let error as SwitchboardError:
            return error
        case let failure as ValidationFailure:
            return .validation(failure)
        case is NIOTooManyBytesError:
            return .payloadTooLarge
        case StoreError.unavailable(let reason):
            logger.error("store unavailable", metadata: ["error": "\(reason)"])
            return .serviceUnavailable
        case let fault as any StoreFaultClassifying where fault.storeError?.isOutage == true:
            logger.error("store unavailable", metadata: ["error": "\(String(reflecting: fault))"])
            return .serviceUnavailable
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return .routeNotFound(method: request.method.rawValue, path: request.uri.path)
            case .contentTooLarge:
                return .payloadTooLarge
            case .unsupportedMediaType:
                return .unsupportedMediaType
            case .methodNotAllowed:
                return .routeNotFound(method: request.method.rawValue, path: request.uri.path)
            case .badRequest:
                return .badRequest(error.body ?? "Bad Request")
            default:
                logger.error("unexpected HTTP error", metadata: ["error": "\(String(reflecting: error))"])
                return error.status.code >= 500 ? .internalError : .badRequest(error.body ?? error.status.reasonPhrase)
            }
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError
        }
    }

    static func response(for error: SwitchboardError, traceId: String) -> Response {
        var body = error.body
        body.traceId = traceId
        return JSONResponse.make(status: HTTPResponse.Status(code: error.statusCode), bytes: body.jsonBytes())
    }
}

extension HighLevelErrorBody {
    /// `{"statusCode":…,"message":…,"error":…,"traceId":…}` in HighLevel's key order.
    func jsonBytes() -> [UInt8] {
        var json = JSONWriter(capacity: 160)
        json.beginObject()
        json.key("statusCode"); json.integer(statusCode)
        json.key("message")
        switch message {
        case .single(let text): json.string(text)
        case .list(let list): json.stringArray(list)
        }
        if let error { json.key("error"); json.string(error) }
        if let traceId { json.key("traceId"); json.string(traceId) }
        json.endObject()
        return json.bytes
    }
}

enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    static func make(status: HTTPResponse.Status = .ok, bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers.reserveCapacity(2)
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A cached body prefix (`ResponseCache.Entry`) completed with this request's trace id.
    static func make(cachedPrefix: ByteBuffer, traceId: String) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(cachedPrefix.readableBytes + traceId.utf8.count + 2)
        buffer.writeImmutableBuffer(cachedPrefix)
        buffer.writeString(traceId)
        buffer.writeStaticString("\"}")
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// A body built with `JSONWriter` whose last member is the trace id.
    static func make(status: HTTPResponse.Status = .ok, traceId: String, write: (inout JSONWriter) -> Void) -> Response {
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        write(&json)
        json.key("traceId"); json.string(traceId)
        json.endObject()
        return make(status: status, bytes: json.bytes)
    }
}

struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
}
