public import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardStorage

/// Just inside the observation middleware (so that what it renders is measured and logged): gives every request
/// its trace id and turns every error into HighLevel's JSON error body (CONTRACT.md §7). This is the only place
/// errors become HTTP responses.
public struct HighLevelErrorMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.traceId = TraceID.make()
        do {
            return try await next(request, context)
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

    static func response(for error: any Error, request: Request, context: AppRequestContext) -> Response {
        if let wrapped = error as? ErrorWithHeaders {
            var response = response(for: wrapped.error, request: request, context: context)
            add(wrapped.headers, to: &response)
            return response
        }
        let rendered = (error as? any RenderedError) ?? classify(error, request: request, logger: context.logger)
        return response(rendering: rendered, traceId: context.traceId)
    }

    static func response(rendering error: some RenderedError, traceId: String) -> Response {
        var response = JSONResponse.make(status: error.responseStatus, bytes: error.bodyBytes(traceId: traceId))
        add(error.headers, to: &response)
        return response
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
