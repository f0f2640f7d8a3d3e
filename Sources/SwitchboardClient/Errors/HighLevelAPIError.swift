import NIOHTTP1
public import SwitchboardCore

/// The API answered with an error status. Carries what HighLevel's SDKs surface (CONTRACT.md §7): the status, the
/// message(s), the `error` reason, the trace id, and the rate-limit headers, so callers can tell a 401 "version header
/// was not found." from a 401 "Invalid JWT" and see how long a 429 asked them to wait.
public struct HighLevelAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status of the response.
    public var status: Int
    /// HighLevel's `message`: one entry, or every violation of a 422.
    public var messages: [String]
    /// HighLevel's `error` (a reason phrase such as "Unprocessable Entity"), when sent.
    public var errorText: String?
    public var traceId: String?
    public var rateLimit: RateLimitStatus
    /// `GET /conversations/…/messages`, for the description.
    public var request: String
    /// How many times the request was sent before giving up.
    public var attempts: Int
    /// The body, when it was not HighLevel's JSON error shape (a proxy's HTML page, say); clipped.
    public var unparsedBody: String?

    public init(
        status: Int, messages: [String], errorText: String? = nil, traceId: String? = nil,
        rateLimit: RateLimitStatus = RateLimitStatus(), request: String = "", attempts: Int = 1,
        unparsedBody: String? = nil
    ) {
        self.status = status
        self.messages = messages
        self.errorText = errorText
        self.traceId = traceId
        self.rateLimit = rateLimit
        self.request = request
        self.attempts = attempts
        self.unparsedBody = unparsedBody
    }

    /// The messages joined the way HighLevel's SDKs join them.
    public var message: String { messages.joined(separator: ", ") }

    /// The body in the domain's error type, for comparisons with what a Switchboard server sends.
    public var body: HighLevelErrorBody {
        messages.count == 1
            ? HighLevelErrorBody(statusCode: status, message: messages[0], error: errorText, traceId: traceId)
            : HighLevelErrorBody(statusCode: status, messages: messages, error: errorText, traceId: traceId)
    }

    /// One line: `HTTP 401 Unauthorized: version header was not found. (GET /conversations/x/messages)`.
    public var description: String {
        var text = "HTTP \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase): \(message)"
        var notes: [String] = []
        if !request.isEmpty { notes.append(request) }
        if attempts > 1 { notes.append("\(attempts) attempts") }
        if let retryAfter = rateLimit.retryAfter { notes.append("retry after \(retryAfter.readableSeconds)") }
        if let traceId { notes.append("trace \(traceId)") }
        if !notes.isEmpty { text += " (\(notes.joined(separator: "; ")))" }
        return text
    }

    /// Reads HighLevel's error body in its observed variants: `{"statusCode","message","error"}`, `message` as a list,
    /// `{"error","status"}` (contacts service), `{"message"}` alone, or no JSON at all.
    init(status: Int, body: [UInt8], headers: HTTPHeaders, request: String, attempts: Int) {
        self.status = status
        self.request = request
        self.attempts = attempts
        self.rateLimit = RateLimitStatus(headers: headers)
        let object = (try? JSONParser.parse(body))?.objectValue
        var messages: [String] = []
        switch object?.present("message") {
        case .string(let text): messages = [text]
        case .array(let values): messages = values.compactMap(\.stringValue)
        default: break
        }
        let errorText = object?.present("error")?.stringValue
        if messages.isEmpty, let fallback = errorText ?? object?.present("detail")?.stringValue {
            messages = [fallback]
            self.errorText = nil
        } else {
            self.errorText = errorText
        }
        if messages.isEmpty { messages = [HTTPResponseStatus(statusCode: status).reasonPhrase] }
        self.messages = messages
        self.traceId = object?.present("traceId")?.stringValue
        if object == nil, !body.isEmpty {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            self.unparsedBody = body.count > 200 ? text + "…" : text
        } else {
            self.unparsedBody = nil
        }
    }
}

/// No response arrived: the connection failed, timed out or was cut, on every attempt allowed.
public struct ClientTransportError: Error, Sendable, CustomStringConvertible {
    public var request: String
    public var attempts: Int
    /// Whether the failure proves the server never received the request (the connection was never made).
    public var requestWasNotSent: Bool
    public var underlying: any Error

    public init(request: String, attempts: Int, requestWasNotSent: Bool, underlying: any Error) {
        self.request = request
        self.attempts = attempts
        self.requestWasNotSent = requestWasNotSent
        self.underlying = underlying
    }

    public var description: String {
        let tries = attempts == 1 ? "" : " after \(attempts) attempts"
        return "\(request) failed\(tries): \(TransportFailure.reason(underlying))"
    }
}

/// A successful response whose body is not what the endpoint returns.
public struct ResponseShapeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    /// `GET /conversations/…`, filled in by the client.
    public var request: String?
    public var status: Int?

    public init(_ reason: String, request: String? = nil, status: Int? = nil) {
        self.reason = reason
        self.request = request
        self.status = status
    }

    public var description: String {
        var text = "unexpected response"
        if let status { text += " (HTTP \(status))" }
        if let request { text += " to \(request)" }
        return text + ": \(reason)"
    }
}
