public import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import SwitchboardCore

/// A typed async client for HighLevel's Conversations API, and for a Switchboard server, which serves the same API.
///
/// ```swift
/// let client = ConversationsClient(configuration: .init(token: "pit-…"))
/// for try await message in client.allMessages(in: conversationId, types: filter) { … }
/// ```
///
/// Every call sends `Authorization`, `Version`, `Accept` and `User-Agent`, retries as `configuration.retryPolicy`
/// says, and throws `HighLevelAPIError` for an error status, `ClientTransportError` when no response arrived, and
/// `ResponseShapeError` for a body it cannot read.
public struct ConversationsClient: Sendable {
    public let configuration: ClientConfiguration
    let httpClient: HTTPClient

    /// `httpClient` defaults to the process-wide shared client, which never needs shutting down.
    public init(configuration: ClientConfiguration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.httpClient = httpClient
    }

    var logger: Logger { configuration.logger ?? Logger.current }

    /// Sends a request, retrying as the policy allows, and returns the first 2xx response.
    func perform(_ request: APIRequest) async throws -> APIResponse {
        let policy = configuration.retryPolicy
        var attempt = 0
        var waited = Duration.zero
        while true {
            attempt += 1
            try Task.checkCancellation()
            let failure: RetryPolicy.Failure
            let attemptError: any Error
            logger.debug("sending request", metadata: ["request": "\(request.summary)", "attempt": "\(attempt)"])
            do {
                let response = try await sendOnce(request)
                if (200..<300).contains(response.status) { return response }
                let apiError = HighLevelAPIError(
                    status: response.status, body: response.body, headers: response.headers,
                    request: request.summary, attempts: attempt)
                failure = .status(response.status, apiError.rateLimit)
                attemptError = apiError
            } catch {
                if Task.isCancelled { throw CancellationError() }
                let kind = TransportFailure.classify(error)
                failure = .transport(kind)
                // With the server's address: no answer is about where the request went.
                attemptError = ClientTransportError(
                    request: "\(request.method.rawValue) \(configuration.baseURL)\(request.path)", attempts: attempt,
                    requestWasNotSent: kind == .notSent, underlying: error)
            }
            guard request.allowsRetry,
                let delay = policy.delay(after: failure, attempt: attempt, waited: waited, mayCreate: request.mayCreate)
            else {
                logger.debug("request failed", metadata: ["request": "\(request.summary)", "error": "\(attemptError)"])
                throw attemptError
            }
            logger.notice(
                "retrying request",
                metadata: [
                    "request": "\(request.summary)", "attempt": "\(attempt)", "wait": "\(delay.readableSeconds)",
                    "error": "\(attemptError)",
                ])
            let reason: RetryNotice.Reason = switch failure {
            case .status(429, _): .rateLimited
            case .status(let status, _): .status(status)
            case .transport: .transport
            }
            configuration.onRetry?(RetryNotice(reason: reason, attempt: attempt, wait: delay))
            try await policy.sleep(delay)
            waited += delay
        }
    }

    private func sendOnce(_ request: APIRequest) async throws -> APIResponse {
        var http = HTTPClientRequest(url: configuration.baseURL + request.pathAndQuery)
        http.method = request.method
        http.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        http.headers.add(name: "Version", value: configuration.apiVersion.rawValue)
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(body)
        }
        let timeout = TimeAmount.milliseconds(configuration.requestTimeout.wholeMilliseconds)
        let response = try await httpClient.execute(http, timeout: timeout, logger: logger)
        let body = try await response.body.collect(upTo: configuration.maximumResponseBytes)
        return APIResponse(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// Performs the request and reads its body as a JSON object (an empty body reads as `{}`).
    func performForObject(_ request: APIRequest) async throws -> RawJSONObject {
        let response = try await perform(request)
        return try response.jsonObject(for: request)
    }

    /// Performs the request and decodes its body with `decode`, naming the request in any shape error.
    func perform<Result>(
        _ request: APIRequest, decode: (RawJSONObject) throws(ResponseShapeError) -> Result
    ) async throws -> Result {
        let response = try await perform(request)
        let object = try response.jsonObject(for: request)
        do {
            return try decode(object)
        } catch {
            var error = error
            error.request = request.summary
            error.status = response.status
            throw error
        }
    }
}

/// One API call, before the base URL and headers are added.
struct APIRequest: Sendable {
    var method: HTTPMethod
    /// Already percent-encoded, starting with `/`.
    var path: String
    var query: QueryItems = QueryItems()
    var body: [UInt8]?
    /// The request may create something, so it is never repeated once the server may have acted on it.
    var mayCreate = false
    /// False for requests that must answer at once (health probes): sent exactly once.
    var allowsRetry = true

    var pathAndQuery: String { path + query.encoded }
    var summary: String { "\(method.rawValue) \(path)" }
}

struct APIResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    func jsonObject(for request: APIRequest) throws(ResponseShapeError) -> RawJSONObject {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return RawJSONObject() }
        let value: RawJSON
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw ResponseShapeError("\(error)", request: request.summary, status: status)
        }
        guard let object = value.objectValue else {
            throw ResponseShapeError("the body is not a JSON object", request: request.summary, status: status)
        }
        return object
    }
}

extension ConversationsClient {
    /// Runs `body` with a client on an `HTTPClient` of its own, shut down when `body` returns (for command-line
    /// tools). A refused connection fails at once instead of being retried inside AsyncHTTPClient until the timeout,
    /// so the retry policy alone decides how often and how long to try.
    public static func withClient<Result>(
        configuration: ClientConfiguration, isolation: isolated (any Actor)? = #isolation,
        _ body: (ConversationsClient) async throws -> Result
    ) async throws -> Result {
        var http = HTTPClient.Configuration()
        http.connectionPool.retryConnectionEstablishment = false
        http.timeout.connect = .seconds(10)
        return try await HTTPClient.withHTTPClient(configuration: http) { httpClient in
            try await body(ConversationsClient(configuration: configuration, httpClient: httpClient))
        }
    }
}
