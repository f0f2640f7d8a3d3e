import HTTPTypes
import Logging
import NIOCore
import SwitchboardCore
import SwitchboardStorage

/// Answers the hot read routes straight from the response cache, below Hummingbird, when everything the full
/// path would check is already known: a valid `Version`, a token remembered by the token cache with the read scope,
/// a query the cache has an answer for, and room in the rate limit. Anything else — a miss, an error, an odd query —
/// goes on to Hummingbird unchanged, which then fills the cache. The answers are the bytes the full path produced,
/// with a new trace id; the headers are the same ones (tests compare both paths).
final class HotPath: Sendable {
    let cache: ResponseCache
    let tokens: TokenCache
    let rateLimiter: RateLimiter?
    let metrics: ServerMetrics
    let dates: HTTPDateCache
    let logger: Logger

    private let recorders: [String: (ok: ServerMetrics.RequestRecorder, limited: ServerMetrics.RequestRecorder)]

    init(
        cache: ResponseCache, tokens: TokenCache, rateLimiter: RateLimiter?, metrics: ServerMetrics,
        dates: HTTPDateCache, logger: Logger
    ) {
        self.cache = cache
        self.tokens = tokens
        self.rateLimiter = rateLimiter
        self.metrics = metrics
        self.dates = dates
        self.logger = logger
        var recorders: [String: (ok: ServerMetrics.RequestRecorder, limited: ServerMetrics.RequestRecorder)] = [:]
        for route in [Self.pageRoute, Self.messageRoute] {
            recorders[route] = (
                metrics.recorder(route: route, method: "GET", status: 200),
                metrics.recorder(route: route, method: "GET", status: 429))
        }
        self.recorders = recorders
    }

    static let pageRoute = "/conversations/{conversationId}/messages"
    static let messageRoute = "/conversations/messages/{messageId}"

    /// A response: its head, and its body as the cached bytes before the trace id and the bytes from it on.
    struct Answer {
        var head: HTTPResponse
        var body: ByteBuffer
        var tail: ByteBuffer
    }

    /// The response for this request, or nil to let Hummingbird answer it.
    func answer(_ request: HTTPRequest, allocator: ByteBufferAllocator) -> Answer? {
        let start = ContinuousClock.now
        guard request.method == .get, let target = request.path, request.headerFields[.connection] == nil,
            let version = request.headerFields[.version], APIVersion(rawValue: version) != nil,
            let credential = try? Credentials.bearer(request.headerFields),
            PrivateIntegrationToken.looksLikePIT(credential),
            case .some(.some(let token)) = tokens.lookup(TokenHash(token: credential), now: start),
            token.scopes.contains(.messagesReadonly),
            let (key, route) = Self.cacheKey(target, location: token.locationId),
            let entry = cache.lookup(key), let recorder = recorders[route]
        else { return nil }

        var fields = HTTPFields()
        fields.reserveCapacity(10)
        fields[.contentType] = JSONResponse.contentType
        let traceId = TraceID.make()
        var answer: Answer
        var limit: RateLimitState?
        if let rateLimiter {
            limit = rateLimiter.admit(token.id + "|" + token.locationId.rawValue, now: start, day: Self.utcDay())
        }
        if let limit, !limit.allowed {
            var error = SwitchboardError.tooManyRequests.body
            error.traceId = traceId
            let body = ByteBuffer(bytes: error.jsonBytes())
            fields[.contentLength] = String(body.readableBytes)
            answer = Answer(head: HTTPResponse(status: .tooManyRequests), body: body, tail: ByteBuffer())
        } else {
            var tail = allocator.buffer(capacity: 40)
            tail.writeString(traceId)
            tail.writeStaticString("\"}")
            fields[.contentLength] = String(entry.buffer.readableBytes + tail.readableBytes)
            answer = Answer(head: HTTPResponse(status: .ok), body: entry.buffer, tail: tail)
        }
        for (name, value) in limit?.headers ?? [] { fields[name] = value }
        fields[ObservationMiddleware.requestIdHeader] =
            ObservationMiddleware.acceptableRequestId(request.headerFields[ObservationMiddleware.requestIdHeader])
            ?? TraceID.make()
        fields[.date] = dates.value
        answer.head.headerFields = fields
        let duration = ContinuousClock.now - start
        if answer.head.status == .ok { recorder.ok.record(duration) } else { recorder.limited.record(duration) }
        if logger.logLevel <= .info {
            logger.info(
                "GET \(target.prefix { $0 != "?" }) \(answer.head.status.code)", metadata: ["route": .string(route), "path": "hot"])
        }
        return answer
    }

    private static func utcDay() -> Int64 {
        Int64(Timestamp.now().rawValue / 86_400_000)
    }

    /// The cache key the full path would use for this target, or nil for anything it would treat specially.
    static func cacheKey(_ target: String, location: LocationID) -> (ResponseCache.Key, String)? {
        // Percent-encoding, `+`, empty segments and trailing slashes all go the long way.
        guard !target.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return nil }
        let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
        let segments = target[..<pathEnd].split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 4, segments[0].isEmpty, segments[1] == "conversations", !segments[2].isEmpty,
            !segments[3].isEmpty
        else { return nil }
        let query = pathEnd < target.endIndex ? target[target.index(after: pathEnd)...] : ""
        if segments[2] == "messages" {
            guard segments[3] != "export", query.isEmpty else { return nil }
            return (ResponseCache.Key(
                kind: .message, location: location, conversation: ConversationID(rawValue: ""), item: String(segments[3]),
                limit: 0, filter: []), messageRoute)
        }
        guard segments[3] == "messages", segments[2] != "search" else { return nil }
        var limit: Substring?
        var cursor: Substring?
        var types: [Substring] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name = pair.prefix { $0 != "=" }
            let value = pair.dropFirst(name.count + 1)
            switch name {
            case "limit":
                guard limit == nil else { return nil }
                limit = value
            case "lastMessageId":
                guard cursor == nil else { return nil }
                cursor = value
            case "type": types.append(value)
            default: return nil
            }
        }
        let filter: MessageTypeFilter?
        do { filter = try MessageTypeFilter.parse(types) } catch { return nil }
        guard let parsedLimit = try? PageLimit.parse(limit) else { return nil }
        return (ResponseCache.Key(
            kind: .page, location: location, conversation: ConversationID(rawValue: String(segments[2])),
            item: cursor.map(String.init) ?? "", limit: parsedLimit, filter: filter?.types.map(\.code) ?? []), pageRoute)
    }
}

