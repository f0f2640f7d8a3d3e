import HTTPTypes
import NIOHTTP1
import SwitchboardCore

/// An error that knows the answer it becomes: its status, the headers it adds, and its body for a trace id. The
/// error middleware and the hot path render every error through this, so each status and body is written once.
protocol RenderedError: Error {
    var responseStatus: HTTPResponse.Status { get }
    var headers: [(HTTPField.Name, String)] { get }
    func bodyBytes(traceId: String) -> [UInt8]
}

extension RenderedError {
    var headers: [(HTTPField.Name, String)] { [] }

    /// `HTTP/1.1 429 Too Many Requests\r\n`, for the answers written as bytes (the hot path, the front door).
    var statusLine: String { "HTTP/1.1 \(responseStatus.code) \(responseStatus.reasonPhrase)\r\n" }
}

extension SwitchboardError: RenderedError {
    var responseStatus: HTTPResponse.Status { .canonical(statusCode) }

    /// HighLevel's error body (CONTRACT.md §7) with this request's trace id.
    func bodyBytes(traceId: String) -> [UInt8] {
        var body = body
        body.traceId = traceId
        return body.jsonBytes()
    }
}

/// Over a rate limit: HighLevel's 429 with the limit's headers.
extension RateLimitedError: RenderedError {
    var responseStatus: HTTPResponse.Status { SwitchboardError.tooManyRequests.responseStatus }
    func bodyBytes(traceId: String) -> [UInt8] { SwitchboardError.tooManyRequests.bodyBytes(traceId: traceId) }
}

/// Too many failed authentications from one address: HighLevel's 429 with `Retry-After`.
extension AuthenticationThrottled: RenderedError {
    var responseStatus: HTTPResponse.Status { SwitchboardError.tooManyRequests.responseStatus }
    func bodyBytes(traceId: String) -> [UInt8] { SwitchboardError.tooManyRequests.bodyBytes(traceId: traceId) }
}

/// `POST /oauth/token` answers in OAuth's error shape, not HighLevel's API shape, and is never cached.
extension OAuthTokenError: RenderedError {
    var responseStatus: HTTPResponse.Status { .canonical(status) }
    var headers: [(HTTPField.Name, String)] { [(.cacheControl, "no-store")] }
    func bodyBytes(traceId: String) -> [UInt8] { jsonBytes(traceId: traceId) }
}

extension HTTPResponse.Status {
    /// The status with its standard reason phrase (`408 Request Timeout`), as status lines written by hand need.
    static func canonical(_ code: Int) -> HTTPResponse.Status {
        HTTPResponse.Status(code: code, reasonPhrase: HTTPResponseStatus(statusCode: code).reasonPhrase)
    }
}
