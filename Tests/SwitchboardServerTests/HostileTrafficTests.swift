import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing
@testable import SwitchboardServer

/// The attacks of issue 15, each against a real socket: the answer codes and bodies the server gives, and that it
/// keeps answering an honest client.
@Suite struct HostileTrafficTests {
    static func get(_ path: String, token: String, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nVersion: 2021-04-15\r\n\(extra)\r\n"
    }

    /// With the hot path in front (SQLite, cache on) and without it (cache off, as on PostgreSQL).
    enum Door: String, CaseIterable { case hotPath, fullPathOnly }

    /// A short head deadline for the tests of it; the others pass a long one, so that a loaded machine's slow read
    /// of a big head is not cut off (CI once saw a 408 where the rule under test answers 400).
    static func configure(_ door: Door, headerTimeout: Duration = .seconds(1)) -> (inout ServerConfiguration) -> Void {
        { configuration in
            configuration.headerTimeout = headerTimeout
            if door == .fullPathOnly { configuration.cacheResponses = false }
        }
    }

    /// Slowloris: a head trickling in a field at a time is cut off at the head deadline, counted from its first
    /// byte, however often bytes arrive; the connection gets HighLevel-shaped 408 and is closed.
    @Test(arguments: Door.allCases)
    func aHeadThatTricklesInIsCutOffAtTheDeadline(_ door: Door) async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            try await makeApplication(store: store, configure: Self.configure(door)).test(.live) { client in
                let port = try #require(client.port)
                // An honest request on its own connection first, and after the attack.
                let honest = try RawConnection(port: port)
                honest.write(Self.get("/conversations/\(conversation)/messages", token: tenant.token))
                #expect(try await honest.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))

                let slow = try RawConnection(port: port)
                let started = ContinuousClock.now
                slow.write("GET /conversations/\(conversation)/messages HTTP/1.1\r\n")
                let trickle = Task {
                    for index in 0..<30 {
                        try await Task.sleep(for: .milliseconds(200))
                        slow.write("X-Field-\(index): a\r\n")
                    }
                }
                defer { trickle.cancel() }
                let answer = try await slow.response()
                let elapsed = ContinuousClock.now - started
                #expect(answer.head.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
                #expect(answer.head.contains("Connection: close"))
                let body = try JSONDecoder().decode(HighLevelErrorBody.self, from: Data(answer.body.utf8))
                #expect(body.withoutTraceId == HighLevelErrorBody(statusCode: 408, message: "Request Timeout", error: "Request Timeout"))
                #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(4), "cut off after \(elapsed)")
                #expect(try await slow.isClosedByServer())

                honest.write(Self.get("/conversations/\(conversation)/messages", token: tenant.token))
                #expect(try await honest.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            }
        }
    }

    /// A client still sending when its head is cut off reads the 408 whole, then the end of the stream, and may go
    /// on sending for a moment: the server closes its output first and drops what still arrives (a lingering close).
    /// Closed at once, the server resets a connection that sends on, and a reset that overtakes the 408 (bytes
    /// unread at the close) discards it before the client reads it.
    @Test(arguments: Door.allCases)
    func aClientStillSendingReadsThe408NotAReset(_ door: Door) async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            try await makeApplication(store: store, configure: Self.configure(door)).test(.live) { client in
                let slow = try RawConnection(port: try #require(client.port))
                slow.write("GET /conversations/x/messages HTTP/1.1\r\n")
                // A field's value keeps coming, a byte a millisecond, past the 1 s deadline (so bytes are in flight
                // when the server answers), and stops well inside the linger.
                let started = ContinuousClock.now
                slow.write("X-Slow: ")
                while ContinuousClock.now < started + .milliseconds(1_300) {
                    try await Task.sleep(for: .milliseconds(1))
                    slow.write("a")
                }
                let answer = try await slow.response()
                #expect(answer.head.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
                let body = try JSONDecoder().decode(HighLevelErrorBody.self, from: Data(answer.body.utf8))
                #expect(body.withoutTraceId == HighLevelErrorBody(statusCode: 408, message: "Request Timeout", error: "Request Timeout"))
                #expect(try await slow.isClosedByServer())
                // Still read by the server: no reset comes back, so a later send does not fail.
                #expect(slow.sent("bbbb") == nil)
                try await Task.sleep(for: .milliseconds(200))
                #expect(slow.sent("cccc") == nil)
                _ = tenant
            }
        }
    }

    /// A client that pipelines requests and never reads the answers: once the answers back up (the socket's send
    /// buffer is full), the server stops reading that connection, so the client's sends stall instead of the server
    /// queueing answers in memory without end. Before the sender stalls, the kernel holds at most the server's
    /// receive buffer and the client's send buffer of requests (`tcp_rmem` and `tcp_wmem` maxima: 32 and 4 MiB
    /// here) plus the requests whose answers fill the client's small receive buffer and the server's send buffer.
    @Test(arguments: Door.allCases)
    func aClientThatDoesNotReadIsNotReadEither(_ door: Door) async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            // Without a rate limit, so every request is answered 200 (on the hot path, when on), none 429.
            let configure: (inout ServerConfiguration) -> Void = { configuration in
                Self.configure(door)(&configuration)
                configuration.rateLimit = nil
            }
            try await makeApplication(store: store, configure: configure).test(.live) { client in
                let port = try #require(client.port)
                let request = Self.get("/conversations/\(conversation)/messages?limit=1", token: tenant.token)
                let batch = Array(String(repeating: request, count: 200).utf8)
                // Once answered twice (cached, then answered from the cache), the hot path (when on) answers every
                // later one itself.
                let warm = try RawConnection(port: port)
                for _ in 0..<2 {
                    warm.write(request)
                    #expect(try await warm.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                }
                let kernelBuffers = Self.largestSocketBuffer("tcp_rmem") + Self.largestSocketBuffer("tcp_wmem")
                let bound = kernelBuffers + (8 << 20)
                let sent = try await offTheConcurrencyPool { () -> Int in
                    let fd = try connectedLoopbackSocket(port: port, receiveTimeout: 20)
                    defer { close(fd) }
                    var stall = timeval(tv_sec: 2, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &stall, socklen_t(MemoryLayout<timeval>.size))
                    var small: Int32 = 64 << 10  // fixed, so the answers it holds do not grow with autotuning
                    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
                    var total = 0
                    while total < 2 * bound {
                        let count = batch.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        if count < 0 { break }  // stalled for 2 s: the server stopped reading
                        total += count
                    }
                    return total
                }
                #expect(sent < bound, "\(sent) bytes of requests were taken from a client that reads nothing")
                // Other connections are served meanwhile.
                let honest = try RawConnection(port: port)
                honest.write(Self.get("/conversations/\(conversation)/messages", token: tenant.token))
                #expect(try await honest.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            }
        }
    }

    /// The largest size the kernel lets a TCP socket buffer grow to (the third field of
    /// `/proc/sys/net/ipv4/<name>`), or 32 MiB if it cannot be read.
    static func largestSocketBuffer(_ name: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/\(name)", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isWhitespace).dropFirst(2).first.flatMap { Int($0) } ?? 32 << 20
    }

    /// A keep-alive connection idle between requests is not a slow head: the deadline starts at the first byte.
    @Test func theHeadDeadlineStartsAtTheFirstByteNotAtTheLastRequest() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            try await makeApplication(store: store, configure: Self.configure(.hotPath)).test(.live) { client in
                let connection = try RawConnection(port: try #require(client.port))
                let request = Self.get("/conversations/\(conversation)/messages", token: tenant.token)
                for _ in 0..<3 {
                    connection.write(request)
                    #expect(try await connection.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                    try await Task.sleep(for: .milliseconds(1_500))  // longer than the head deadline, shorter than idle
                }
            }
        }
    }

    /// Beyond the connection cap a connection is answered 503 in HighLevel's shape and closed; once one closes,
    /// a new one is served again.
    @Test(arguments: Door.allCases)
    func connectionsBeyondTheCapAreRefused(_ door: Door) async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let configure = Self.configure(door)
            try await makeApplication(store: store, configure: { configure(&$0); $0.maximumConnections = 3 }).test(.live) {
                client in
                let port = try #require(client.port)
                let request = Self.get("/conversations/\(conversation)/messages", token: tenant.token)
                // The live test client keeps one connection of its own open: with a cap of 3, two more are served.
                var open: [RawConnection] = []
                for _ in 0..<2 {
                    let connection = try RawConnection(port: port)
                    connection.write(request)
                    let head = try await connection.response().head
                    #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(head)")
                    open.append(connection)
                }
                let refused = try RawConnection(port: port)
                let answer = try await refused.response()
                #expect(answer.head.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
                let body = try JSONDecoder().decode(HighLevelErrorBody.self, from: Data(answer.body.utf8))
                #expect(body.withoutTraceId == SwitchboardError.serviceUnavailable.body)
                #expect(try await refused.isClosedByServer())
                open.removeAll()  // closes both
                var served = false
                for _ in 0..<50 where !served {
                    try await Task.sleep(for: .milliseconds(100))
                    let again = try RawConnection(port: port)
                    again.write(request)
                    served = (try? await again.response().head.hasPrefix("HTTP/1.1 200 OK\r\n")) == true
                }
                #expect(served)
            }
        }
    }

    /// Whether a request is accepted must not depend on cache warmth: 101 header fields, or one field line over
    /// 16 KiB, are refused by the same rule whether the answer is cached or not.
    @Test func headerLimitsHoldOnTheHotPath() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let path = "/conversations/\(conversation)/messages"
            let manyFields = (0..<100).map { "X-Extra-\($0): 1\r\n" }.joined()
            let longField = "X-Long: " + String(repeating: "a", count: 17 << 10) + "\r\n"
            var answers: [Door: [String]] = [:]
            for door in Door.allCases {
                answers[door] = try await makeApplication(
                    store: store, configure: Self.configure(door, headerTimeout: .seconds(30))
                ).test(.live) {
                    client in
                    let port = try #require(client.port)
                    let warm = try RawConnection(port: port)
                    for _ in 0..<2 {  // fills the cache; the second is answered by the hot path when it is on
                        warm.write(Self.get(path, token: tenant.token))
                        #expect(try await warm.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                    }
                    var heads: [String] = []
                    for extra in [manyFields, longField] {
                        let reply = try await rawExchange(port: port, Array(Self.get(path, token: tenant.token, extra: extra).utf8))
                        heads.append(String(reply.prefix { $0 != "\r" }))
                    }
                    return heads
                }
            }
            #expect(answers[.hotPath] == answers[.fullPathOnly])
            #expect(answers[.hotPath]?.allSatisfy { $0.hasPrefix("HTTP/1.1 4") } == true, "\(answers)")
        }
    }

    /// A client that guesses tokens is answered 429 once it has failed `failures` times in the window, before its
    /// next guess is even looked at; the store is no longer read for it.
    @Test func failedAuthenticationIsRateLimitedPerAddress() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            try await makeApplication(store: store, configure: {
                $0.authenticationFailures = AuthenticationFailurePolicy(failures: 3, window: .seconds(30))
            }).test(.live) { client in
                let connection = try RawConnection(port: try #require(client.port))
                let path = "/conversations/\(conversation)/messages"
                for guess in 0..<3 {
                    connection.write(Self.get(path, token: "pit-00000000-0000-4000-8000-00000000000\(guess)"))
                    let answer = try await connection.response()
                    #expect(answer.head.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
                    #expect(answer.body.contains(#""message":"Invalid Private Integration token""#))
                }
                connection.write(Self.get(path, token: "pit-00000000-0000-4000-8000-000000000009"))
                let throttled = try await connection.response()
                #expect(throttled.head.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
                #expect(throttled.head.contains("Retry-After: "))
                let body = try JSONDecoder().decode(HighLevelErrorBody.self, from: Data(throttled.body.utf8))
                #expect(body.withoutTraceId == HighLevelErrorBody(statusCode: 429, message: "Too Many Requests"))
                // POST /oauth/token shares the budget: a guessed client secret is throttled too.
                let form = "grant_type=refresh_token&client_id=x&client_secret=y&refresh_token=z"
                connection.write(
                    "POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        + "Content-Length: \(form.utf8.count)\r\n\r\n\(form)")
                #expect(try await connection.response().head.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
            }
        }
    }

    /// Behind a trusted proxy, failed authentications count against the client the proxy names in X-Forwarded-For:
    /// one guesser is throttled, another client behind the same proxy is not. A peer that is not trusted is counted
    /// itself, whatever X-Forwarded-For it sends.
    @Test func failedAuthenticationIsCountedPerClientBehindATrustedProxy() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let path = "/conversations/\(conversation)/messages"
            @Sendable func guess(_ n: Int, from client: String) -> String {
                "GET \(path) HTTP/1.1\r\nHost: localhost\r\nVersion: 2021-04-15\r\nX-Forwarded-For: 198.51.100.1, \(client)\r\n"
                    + "Authorization: Bearer pit-00000000-0000-4000-8000-00000000000\(n)\r\n\r\n"
            }
            for trusted in [true, false] {
                try await makeApplication(store: store, configure: {
                    $0.authenticationFailures = AuthenticationFailurePolicy(failures: 3, window: .seconds(30))
                    $0.trustedProxies = trusted ? ["127.0.0.1"] : []
                }).test(.live) { client in
                    let connection = try RawConnection(port: try #require(client.port))
                    for n in 0..<3 {
                        connection.write(guess(n, from: "203.0.113.5"))
                        #expect(try await connection.response().head.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
                    }
                    connection.write(guess(4, from: "203.0.113.5"))
                    #expect(try await connection.response().head.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
                    // Another client behind the same proxy: its own budget only when the proxy is trusted.
                    connection.write(guess(5, from: "203.0.113.6"))
                    let other = try await connection.response()
                    #expect(
                        other.head.hasPrefix(trusted ? "HTTP/1.1 401 Unauthorized\r\n" : "HTTP/1.1 429 Too Many Requests\r\n"),
                        "trusted: \(trusted)")
                }
            }
        }
        #expect(ForwardedClientMiddleware.client(peer: "10.0.0.1", forwardedFor: ["1.2.3.4"], trusted: ["127.0.0.1"]) == "10.0.0.1")
        #expect(ForwardedClientMiddleware.client(peer: "127.0.0.1", forwardedFor: ["1.2.3.4, 10.0.0.9"], trusted: ["127.0.0.1", "10.0.0.9"]) == "1.2.3.4")
        #expect(ForwardedClientMiddleware.client(peer: "127.0.0.1", forwardedFor: [], trusted: ["127.0.0.1"]) == "127.0.0.1")
        #expect(ForwardedClientMiddleware.client(peer: "127.0.0.1", forwardedFor: [String(repeating: "9", count: 46)], trusted: ["127.0.0.1"]) == "127.0.0.1")
    }

    /// The hot path's memo of resolved requests is fed only by answers from the cache, with short strings: 200
    /// requests with a 60 KB cursor (each answered 400 by the full path) leave nothing in it.
    @Test func theHotPathRemembersOnlyAnsweredRequests() throws {
        let cache = ResponseCache()
        let tokens = TokenCache(lifetime: .seconds(60))
        let token = StoredToken(
            id: "tok", hash: TokenHash(token: "pit-11111111-2222-4333-8444-555555555555"),
            locationId: LocationID(rawValue: "loc"), name: "t", scopes: [.messagesReadonly],
            createdAt: Timestamp(rawValue: 0))
        tokens.remember(token, for: token.hash, at: .now)
        let hotPath = HotPath(
            cache: cache, tokens: tokens, rateLimiter: nil, metrics: ServerMetrics(), dates: HTTPDateCache(),
            accessLog: AccessLog(), logger: Logger(label: "test"))
        func head(_ target: String) -> RequestHead {
            RequestHead(
                method: "GET", target: target, authorization: "Bearer pit-11111111-2222-4333-8444-555555555555",
                version: "2021-04-15")
        }
        let longCursor = String(repeating: "m", count: 60_000)
        for index in 0..<200 {
            #expect(hotPath.answer(head("/conversations/c1/messages?lastMessageId=\(longCursor)\(index)"), allocator: .init()) == nil)
        }
        #expect(hotPath.memoisedCount == 0)
        // A cached answer is served and its resolution remembered; a long target is served but not remembered.
        let conversation = ConversationID(rawValue: "c1")
        for target in ["/conversations/c1/messages", "/conversations/c1/messages?lastMessageId=" + longCursor] {
            let (key, _) = try #require(HotPath.cacheKey(target, location: token.locationId))
            cache.store(.init(prefix: Array(#"{"messages":[],"traceId":""#.utf8), conversation: conversation), for: key,
                        ticket: cache.ticket(for: conversation))
            #expect(hotPath.answer(head(target), allocator: .init()) != nil)
        }
        #expect(hotPath.memoisedCount == 1)
    }

    /// An access token signed with our own key but claiming a longer life than an access token has, or issued in
    /// the future, is not one we made: 401 Invalid JWT.
    @Test func accessTokensWithImpossibleLifetimesAreRefused() async throws {
        try await withApp(.sqlite) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            _ = try await client.grant(app)  // makes sure the signing key exists
            let key = try await store.activeSigningKey(
                orCreate: OAuthCredentials.signingKey(at: testEpoch), logger: Logger(label: "test"))
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
            let now = testEpoch.rawValue / 1000
            func token(iat: Int64, exp: Int64) async throws -> String {
                try await keys.sign(
                    OwnKeyClaims(
                        authClass: "Location", authClassId: tenant.location.rawValue, sourceId: app.clientId,
                        oauthMeta: .init(scopes: Scope.allCases.map(\.rawValue), client: String(app.clientId.prefix(24))),
                        iat: iat, exp: exp),
                    kid: JWKIdentifier(string: key.id))
            }
            let path = "/conversations/\(conversation)/messages"
            let cases: [(iat: Int64, exp: Int64, status: Int)] = [
                (now, now + 86_399, 200),  // exactly an access token's life
                (now - 10, now + 86_390, 401),  // 86,400 s: a second too long
                (now - 60, now + 30 * 86_400, 401),  // a month
                (now + 300, now + 600, 401),  // issued in the future
            ]
            for (iat, exp, status) in cases {
                let response = try await client.get(
                    path, headers: [.authorization: "Bearer \(try await token(iat: iat, exp: exp))", .version: "2021-04-15"])
                #expect(Int(response.status.code) == status, "iat \(iat - now), exp \(exp - now)")
                if status == 401 { #expect(try response.errorBody() == HighLevelErrorBody(statusCode: 401, message: "Invalid JWT")) }
            }
        }
    }
}

/// Claims as this server signs them (with the installation's client id), for tokens made with its own key.
struct OwnKeyClaims: JWTPayload {
    struct Meta: Codable { var scopes: [String]; var client: String }
    var authClass: String
    var authClassId: String
    var sourceId: String
    var oauthMeta: Meta
    var iat: Int64
    var exp: Int64
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
