import HTTPTypes
import Logging
import NIOCore
import SwitchboardStorage
import SwitchboardCore

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
    let accessLog: AccessLog
    /// While the control API has a fault set, every request goes the router's way, where faults are drawn.
    let faultRules: FaultRules?
    let journal: RequestJournal?
    let logger: Logger

    private let recorders: [String: (ok: ServerMetrics.RequestRecorder, limited: ServerMetrics.RequestRecorder)]

    /// What an `Authorization` value and a target resolved to — the token, the cache key, the route — so a repeated
    /// request skips hashing the token and parsing the target (a third of the hot path's own time). Each resolution
    /// lives only as long as the token cache's entry it came from, so a revoked token stops working as soon as it
    /// would have on the full path.
    private struct Resolution {
        let key: ResponseCache.Key
        let route: String
        let recorder: (ok: ServerMetrics.RequestRecorder, limited: ServerMetrics.RequestRecorder)
        let rateLimitKey: String
        let expires: ContinuousClock.Instant
    }

    private struct ResolutionKey: Hashable {
        let authorization: String
        let target: String
    }

    /// Bounded by count and bytes, and fed only by requests that were answered from the cache, with short
    /// strings: requests that fail or miss (a client's garbage) never enter it.
    private let resolutions = Locked(LRUDictionary<ResolutionKey, Resolution>(maximumCount: 10_000, maximumCost: 8 << 20))
    /// How many resolutions are remembered (tests hold the memo to its rules).
    var memoisedCount: Int { resolutions.withLock { $0.count } }

    /// Longer `Authorization` values or targets are served but not memoised.
    static let longestMemoisedString = 512

    init(
        cache: ResponseCache, tokens: TokenCache, rateLimiter: RateLimiter?, metrics: ServerMetrics,
        dates: HTTPDateCache, accessLog: AccessLog, faultRules: FaultRules? = nil, journal: RequestJournal? = nil,
        logger: Logger
    ) {
        self.cache = cache
        self.tokens = tokens
        self.rateLimiter = rateLimiter
        self.metrics = metrics
        self.dates = dates
        self.accessLog = accessLog
        self.faultRules = faultRules
        self.journal = journal
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

    /// A response as bytes: its head (status line and fields), and its body as the cached bytes before the trace id
    /// and the bytes from it on.
    struct Answer {
        var head: ByteBuffer
        var body: ByteBuffer
        var tail: ByteBuffer
    }

    /// The response for this request, or nil to let Hummingbird answer it.
    func answer(_ request: RequestHead, allocator: ByteBufferAllocator) -> Answer? {
        let start = ContinuousClock.now
        if let faultRules, !faultRules.isEmpty { return nil }
        guard request.method == "GET", let version = request.version, APIVersion(rawValue: version) != nil,
            let (resolution, memoised) = resolve(request, now: start), let entry = cache.lookup(resolution.key)
        else { return nil }
        if !memoised { memoise(resolution, for: request) }
        let recorder = resolution.recorder
        let route = resolution.route
        let traceId = TraceID.make()
        var limit: RateLimitState?
        if let rateLimiter {
            // Nothing leased of the shared counters yet: the router leases (it may wait; the hot path does not).
            guard let admitted = rateLimiter.admitAtOnce(resolution.rateLimitKey, now: start) else { return nil }
            limit = admitted
        }
        var head = allocator.buffer(capacity: 512)
        var answer: Answer
        if let limit, !limit.allowed {
            let error = RateLimitedError(state: limit)
            let body = ByteBuffer(bytes: error.bodyBytes(traceId: traceId))
            head.writeString(error.statusLine)
            Self.writeField(&head, "Content-Type", JSONResponse.contentType)
            Self.writeContentLength(&head, body.readableBytes)
            answer = Answer(head: head, body: body, tail: ByteBuffer())
        } else {
            var tail = allocator.buffer(capacity: 40)
            tail.writeString(traceId)
            tail.writeStaticString("\"}")
            head.writeStaticString("HTTP/1.1 200 OK\r\n")
            Self.writeField(&head, "Content-Type", JSONResponse.contentType)
            Self.writeContentLength(&head, entry.prefix.readableBytes + tail.readableBytes)
            answer = Answer(head: head, body: entry.prefix, tail: tail)
        }
        limit?.writeHeaders(into: &answer.head)
        let requestId = ObservationMiddleware.acceptableRequestId(request.requestId) ?? TraceID.make()
        Self.writeField(&answer.head, "X-Request-Id", requestId)
        Self.writeField(&answer.head, "Date", dates.value)
        answer.head.writeStaticString("\r\n")
        let duration = ContinuousClock.now - start
        if limit?.allowed == false { recorder.limited.record(duration) } else { recorder.ok.record(duration) }
        accessLog.record(
            logger, method: "GET", path: Self.path(of: request.target), status: limit?.allowed == false ? 429 : 200,
            route: route, duration: duration, requestId: requestId, door: .hot)
        journal?.record(
            method: "GET", path: request.target, status: limit?.allowed == false ? 429 : 200,
            location: resolution.key.location)
        return answer
    }

    /// The target up to its query, found in its UTF-8 bytes (walking its characters cost 2% of the hot path).
    static func path(of target: String) -> Substring {
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
    }

    private static func writeContentLength(_ buffer: inout ByteBuffer, _ length: Int) {
        buffer.writeStaticString("Content-Length: ")
        buffer.writeDecimal(length)
        buffer.writeStaticString("\r\n")
    }

    private static func writeField(_ buffer: inout ByteBuffer, _ name: String, _ value: String) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// The token and cache key of this request, from the memo or worked out afresh; nil when the full path must
    /// decide (no remembered token, a missing scope, a target it treats specially).
    private func resolve(_ request: RequestHead, now: ContinuousClock.Instant) -> (Resolution, memoised: Bool)? {
        guard let authorization = request.authorization else { return nil }
        let memoKey = ResolutionKey(authorization: authorization, target: request.target)
        if let known = resolutions.withLock({ $0.value(forKey: memoKey) }), now < known.expires { return (known, true) }
        guard let credential = try? Credentials.bearer(authorization), PrivateIntegrationToken.looksLikePIT(credential),
            let (remembered, expires) = tokens.lookupWithExpiry(TokenHash(token: credential), now: now),
            let token = remembered, token.scopes.contains(.messagesReadonly),
            let (key, route) = Self.cacheKey(request.target, location: token.locationId), let recorder = recorders[route]
        else { return nil }
        let resolution = Resolution(
            key: key, route: route, recorder: recorder, rateLimitKey: Principal(token).rateLimitKey, expires: expires)
        return (resolution, false)
    }

    private func memoise(_ resolution: Resolution, for request: RequestHead) {
        guard let authorization = request.authorization, authorization.utf8.count <= Self.longestMemoisedString,
            request.target.utf8.count <= Self.longestMemoisedString
        else { return }
        let cost = authorization.utf8.count + request.target.utf8.count + resolution.key.item.utf8.count + 256
        resolutions.withLock { memo in
            _ = memo.insert(resolution, forKey: ResolutionKey(authorization: authorization, target: request.target), cost: cost)
        }
    }

    /// The cache key the full path would use for this target, or nil for anything it would treat specially.
    /// Works on UTF-8 bytes: `Character`-wise splitting cost more than the rest of the request.
    static func cacheKey(_ target: String, location: LocationID) -> (ResponseCache.Key, String)? {
        let bytes = target.utf8
        // Percent-encoding, `+`, a fragment (`#`, which the router's URI drops), empty segments and trailing
        // slashes all go the long way.
        guard !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") })
        else { return nil }
        let pathEnd = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let segments = bytes[..<pathEnd].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard segments.count == 4, segments[0].isEmpty, segments[1].elementsEqual("conversations".utf8),
            !segments[2].isEmpty, !segments[3].isEmpty
        else { return nil }
        let query = pathEnd < bytes.endIndex ? bytes[bytes.index(after: pathEnd)...] : bytes[bytes.endIndex...]
        if segments[2].elementsEqual("messages".utf8) {
            guard !segments[3].elementsEqual("export".utf8), query.isEmpty else { return nil }
            return (ResponseCache.Key(
                kind: .message, location: location, conversation: ConversationID(rawValue: ""),
                item: String(Substring(segments[3])), limit: 0, filter: []), messageRoute)
        }
        guard segments[3].elementsEqual("messages".utf8), !segments[2].elementsEqual("search".utf8) else { return nil }
        var limit: Substring?
        var cursor: Substring?
        var types: [Substring] = []
        for pair in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            let name = pair[..<equals]
            let value = Substring(equals < pair.endIndex ? pair[pair.index(after: equals)...] : pair[pair.endIndex...])
            if name.elementsEqual("limit".utf8) {
                guard limit == nil else { return nil }
                limit = value
            } else if name.elementsEqual("lastMessageId".utf8) {
                guard cursor == nil else { return nil }
                cursor = value
            } else if name.elementsEqual("type".utf8) {
                types.append(value)
            } else {
                return nil
            }
        }
        guard let query = try? MessagePageQuery(
            limit: limit, lastMessageId: cursor, types: types,
            conversationId: ConversationID(rawValue: String(Substring(segments[2]))), locationId: location)
        else { return nil }
        return (ResponseCache.Key(page: query), pageRoute)
    }
}

