/// Everything a request can be refused for, in HighLevel's words (CONTRACT.md §2.4, §6.4, §7, §11).
///
/// Handlers and the store throw these; one middleware turns them into HighLevel's JSON error bodies.
public enum SwitchboardError: Error, Sendable, Hashable {
    case versionHeaderMissing
    case versionHeaderInvalid
    case authorizationMissing
    case invalidJWT
    case invalidPrivateIntegrationToken
    /// A Company (agency) OAuth token on a location route (CONTRACT.md §6.4).
    case authClassNotAllowed
    case scopeNotGranted
    case locationNotAccessible
    /// A resource of the caller's location that this call may not change (`ForbiddenDTO`).
    case forbidden(String)
    case conversationNotFound(ConversationID)
    case invalidLastMessageId
    case validation(ValidationFailure)
    case badRequest(String)
    case notFound(String)
    /// The request cannot apply to the server as it runs (the test clock moved while it is off).
    case conflict(String)
    case routeNotFound(method: String, path: String)
    /// A control API path (`/_switchboard/…`) on a server that runs without it: a 404 that says how to turn it on.
    case controlAPIOff(method: String, path: String)
    case payloadTooLarge
    case unsupportedMediaType
    case tooManyRequests
    case requestTimeout
    /// A request head that did not arrive whole within the head deadline (a slowloris client).
    case requestHeadTimeout
    case serviceUnavailable
    case internalError
    /// A control-API request (`/_switchboard/…`) without the server's admin token.
    case adminTokenInvalid

    public var statusCode: Int {
        switch self {
        case .versionHeaderMissing, .versionHeaderInvalid, .authorizationMissing, .invalidJWT,
            .invalidPrivateIntegrationToken, .authClassNotAllowed, .scopeNotGranted, .adminTokenInvalid:
            401
        case .locationNotAccessible, .forbidden: 403
        case .conversationNotFound, .invalidLastMessageId, .badRequest: 400
        case .validation: 422
        case .notFound, .routeNotFound, .controlAPIOff: 404
        case .conflict: 409
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .tooManyRequests: 429
        case .requestHeadTimeout: 408
        case .serviceUnavailable, .requestTimeout: 503
        case .internalError: 500
        }
    }

    public var body: HighLevelErrorBody {
        switch self {
        case .versionHeaderMissing: .init(statusCode: 401, message: "version header was not found.")
        case .versionHeaderInvalid: .init(statusCode: 401, message: "version header is invalid")
        case .authorizationMissing: .init(statusCode: 401, message: "No Authorization header found for authentication!")
        case .invalidJWT: .init(statusCode: 401, message: "Invalid JWT")
        case .invalidPrivateIntegrationToken: .init(statusCode: 401, message: "Invalid Private Integration token")
        case .authClassNotAllowed:
            .init(
                statusCode: 401,
                message: "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.")
        case .scopeNotGranted: .init(statusCode: 401, message: "The token is not authorized for this scope.")
        case .adminTokenInvalid:
            .init(
                statusCode: 401, message: "The control API takes the admin token `serve` printed, not a location's token.",
                error: "Unauthorized")
        case .locationNotAccessible: .init(statusCode: 403, message: "The token does not have access to this location.")
        case .forbidden(let message): .init(statusCode: 403, message: message, error: "Forbidden")
        case .conversationNotFound(let id):
            .init(statusCode: 400, message: "Conversation with id \(id.rawValue.clippedForMessage) not found")
        case .invalidLastMessageId: .init(statusCode: 400, message: "Invalid lastMessageId")
        case .validation(let failure):
            .init(statusCode: 422, messages: failure.messages, error: "Unprocessable Entity")
        case .badRequest(let message): .init(statusCode: 400, message: message)
        case .notFound(let message): .init(statusCode: 404, message: message)
        case .conflict(let message): .init(statusCode: 409, message: message, error: "Conflict")
        case .routeNotFound(let method, let path):
            .init(statusCode: 404, message: "Cannot \(method) \(path.clippedForMessage)", error: "Not Found")
        case .controlAPIOff(let method, let path):
            .init(
                statusCode: 404,
                message: "Cannot \(method) \(path.clippedForMessage): the control API is off; start the server with "
                    + "--control (or --test-clock, --demo)",
                error: "Not Found")
        case .payloadTooLarge: .init(statusCode: 413, message: "request entity too large", error: "Payload Too Large")
        case .unsupportedMediaType:
            .init(statusCode: 415, message: "Content-Type must be application/json", error: "Unsupported Media Type")
        case .tooManyRequests: .init(statusCode: 429, message: "Too Many Requests")
        case .requestTimeout:
            .init(statusCode: 503, message: "The request took too long to answer", error: "Service Unavailable")
        case .requestHeadTimeout: .init(statusCode: 408, message: "Request Timeout", error: "Request Timeout")
        case .serviceUnavailable:
            .init(statusCode: 503, message: "Service Unavailable", error: "Service Unavailable")
        case .internalError: .init(statusCode: 500, message: "Internal server error")
        }
    }
}

/// A request value failed validation: rendered as HighLevel's 422 with every violation listed.
public struct ValidationFailure: Error, Sendable, Hashable {
    public var messages: [String]
    public init(messages: [String]) { self.messages = messages }
    public init(_ message: String) { self.messages = [message] }
}

/// HighLevel's NestJS-style error body: `{"statusCode":…,"message":…,"error"?:…,"traceId":…}`.
/// `message` is a string, except for validation errors, where it lists every violation.
public struct HighLevelErrorBody: Sendable, Hashable, Codable {
    public enum Message: Sendable, Hashable, Codable {
        case single(String)
        case list([String])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                self = .list(list)
            } else {
                self = .single(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .single(let text): try container.encode(text)
            case .list(let list): try container.encode(list)
            }
        }

        /// The messages joined the way HighLevel's SDKs join them.
        public var text: String {
            switch self {
            case .single(let text): text
            case .list(let list): list.joined(separator: ", ")
            }
        }
    }

    public var statusCode: Int
    public var message: Message
    public var error: String?
    public var traceId: String?

    public init(statusCode: Int, message: String, error: String? = nil, traceId: String? = nil) {
        self.statusCode = statusCode
        self.message = .single(message)
        self.error = error
        self.traceId = traceId
    }

    public init(statusCode: Int, messages: [String], error: String? = nil, traceId: String? = nil) {
        self.statusCode = statusCode
        self.message = .list(messages)
        self.error = error
        self.traceId = traceId
    }

    /// The same body without its trace id, for comparisons.
    public var withoutTraceId: HighLevelErrorBody {
        var copy = self
        copy.traceId = nil
        return copy
    }
}
