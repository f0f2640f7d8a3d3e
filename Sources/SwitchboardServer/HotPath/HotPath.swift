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
    }

    static let pageRoute = "/conversations/{conversationId}/messages"
    static let messageRoute = "/conversations/messages/{messageId}"

    /// The response for this request, or nil to let Hummingbird answer it.
    func answer(_ request: HTTPRequest) -> (HTTPResponse, [UInt8])? {
        let start = ContinuousClock.now
        guard request.method == .get, let target = request.path, request.headerFields[.connection] == nil,
            let version = request.headerFields[.version], APIVersion(rawValue: version) != nil,
            let credential = try? Credentials.bearer(request.headerFields),
            PrivateIntegrationToken.looksLikePIT(credential),
            case .some(.some(let token)) = tokens.lookup(TokenHash(token: credential), now: start),
            token.scopes.contains(.messagesReadonly),
            let (key, route) = Self.cacheKey(target, location: token.locationId),
            let entry = cache.lookup(key)
        else { return nil }

        var fields = HTTPFields()
        fields.reserveCapacity(10)
        let traceId = TraceID.make()
        var status = HTTPResponse.Status.ok
        var body: [UInt8]
        if let rateLimiter {
            let principalKey = token.id + "|" + token.locationId.rawValue
            let state = rateLimiter.admit(principalKey, now: start, day: Self.utcDay())
            if state.allowed {
                body = TraceIdSlot.complete(entry.prefix, traceId: traceId)
                Self.add(state.headers, to: &fields, contentLength: body.count)
            } else {
                status = .tooManyRequests
                var error = SwitchboardError.tooManyRequests.body
                error.traceId = traceId
                body = error.jsonBytes()
                Self.add(state.headers + [("Retry-After", String(state.retryAfterSeconds))], to: &fields, contentLength: body.count)
            }
        } else {
            body = TraceIdSlot.complete(entry.prefix, traceId: traceId)
            Self.add([], to: &fields, contentLength: body.count)
        }
        fields[ObservationMiddleware.requestIdHeader] =
            ObservationMiddleware.acceptableRequestId(request.headerFields[ObservationMiddleware.requestIdHeader])
            ?? TraceID.make()
        fields[.date] = dates.value
        metrics.recordRequest(route: route, method: "GET", status: status.code, duration: ContinuousClock.now - start)
        if logger.logLevel <= .info {
            logger.info("GET \(target.prefix { $0 != "?" }) \(status.code)", metadata: ["route": .string(route), "path": "hot"])
        }
        return (HTTPResponse(status: status, headerFields: fields), body)
    }

    private static func add(_ rateLimit: [(String, String)], to fields: inout HTTPFields, contentLength: Int) {
        fields[.contentType] = JSONResponse.contentType
        fields[.contentLength] = String(contentLength)
        for (name, value) in rateLimit {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
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

