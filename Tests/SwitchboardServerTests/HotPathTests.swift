import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// The hot path answers repeated reads below Hummingbird; these tests hold it to the full path's answers.
@Suite struct HotPathTests {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func get(_ http: HTTPClient, port: Int, _ path: String, token: String, requestId: String? = nil) async throws
        -> Answer
    {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Version", value: "2021-04-15")
        if let requestId { request.headers.add(name: "X-Request-Id", value: requestId) }
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: headers, body: body)
    }

    static func withoutTraceId(_ body: String) -> String {
        body.replacingOccurrences(of: #""traceId":"[0-9a-f-]{36}""#, with: #""traceId":"…""#, options: .regularExpression)
    }

    /// First request: the full path (which fills the cache); the same request again: the hot path.
    @Test(arguments: [
        "/conversations/{c}/messages", "/conversations/{c}/messages?limit=3&type=TYPE_SMS,TYPE_CALL",
        "/conversations/{c}/messages?lastMessageId={m}&limit=2", "/conversations/messages/{m}",
    ])
    func bothPathsGiveTheSameAnswer(_ template: String) async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 10)
            let path = template.replacingOccurrences(of: "{c}", with: conversation.rawValue)
                .replacingOccurrences(of: "{m}", with: messages[6].id.rawValue)
            let metrics = ServerMetrics()
            let app = makeApplication(store: store, metrics: metrics) { $0.rateLimit = .highLevel }
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let full = try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token, requestId: "r-1")
                let hot = try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token, requestId: "r-1")
                #expect(full.status == 200)
                #expect(hot.status == 200)
                #expect(Self.withoutTraceId(hot.body) == Self.withoutTraceId(full.body))
                #expect(hot.body != full.body, "each answer has its own trace id")
                #expect(Set(hot.headers.keys) == Set(full.headers.keys))
                for name in ["content-type", "content-length", "x-request-id", "x-ratelimit-max", "x-ratelimit-limit-daily",
                             "x-ratelimit-interval-milliseconds"] {
                    #expect(hot.headers[name] == full.headers[name], "\(name)")
                }
                #expect(full.headers["x-ratelimit-remaining"] == "99")
                #expect(hot.headers["x-ratelimit-remaining"] == "98")
                // Both answers were counted, under the same route template.
                let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                let route = path.contains("/messages/") && !path.contains("/messages?") && path.hasPrefix("/conversations/messages")
                    ? "/conversations/messages/{messageId}" : "/conversations/{conversationId}/messages"
                #expect(text.contains(#"switchboard_http_requests_total{route="\#(route)",method="GET",status="200"} 2"#), "\(text)")
            }
        }
    }

    /// A query with `+` or escapes, which the hot path hands to the full path, gets the answer of the same query
    /// written plainly, which the hot path serves (issue 17: `+` is a space, as HighLevel reads it).
    @Test func aPlusOrAnEscapeInTheQueryGetsThePlainQuerysAnswer() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 10)
            try await makeApplication(store: store).test(.live) { client in
                let port = try #require(client.port)
                let plain = "/conversations/\(conversation)/messages?limit=3&type=TYPE_SMS,TYPE_CALL"
                _ = try await Self.get(HTTPClient.shared, port: port, plain, token: tenant.token)
                let hot = try await Self.get(HTTPClient.shared, port: port, plain, token: tenant.token)
                #expect(hot.status == 200)
                for query in ["limit=3&type=+TYPE_SMS+,+TYPE_CALL+", "limit=3&type=TYPE_SMS%2C%20TYPE_CALL"] {
                    let encoded = try await Self.get(
                        HTTPClient.shared, port: port, "/conversations/\(conversation)/messages?\(query)", token: tenant.token)
                    #expect(encoded.status == 200, "\(query)")
                    #expect(Self.withoutTraceId(encoded.body) == Self.withoutTraceId(hot.body), "\(query)")
                }
            }
        }
    }

    /// A write through the API voids cached answers before it is acknowledged; a write by another process is
    /// noticed within the watcher's interval.
    @Test func writesAreSeenAtOnce() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let contact = try await makeContact(store, tenant: tenant)
            let conversation = ConversationID.generate()
            try await store.insertMessages(
                [makeMessage(conversation: conversation, location: tenant.location, contact: contact.id, at: -1000)],
                logger: .test)
            try await makeApplication(store: store).test(.live) { client in
                let port = try #require(client.port)
                let path = "/conversations/\(conversation)/messages"
                for round in 1...5 {
                    _ = try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token)
                    _ = try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token)
                    let sent = try await client.execute(
                        uri: "/conversations/messages/inbound", method: .post,
                        headers: [.authorization: "Bearer \(tenant.token)", .version: "v3", .contentType: "application/json"],
                        body: ByteBuffer(string: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact.id)","message":"round \#(round)"}"#))
                    #expect(sent.status == .created)
                    let page = try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token)
                    let decoded = try JSONDecoder().decode(MessagePageResponse.self, from: Data(page.body.utf8))
                    #expect(decoded.messages.messages.count == round + 1)
                    #expect(decoded.messages.messages.first?.body == "round \(round)")
                }
                // Behind the server's back, as another process would write.
                try await store.insertMessages(
                    [makeMessage(conversation: conversation, location: tenant.location, contact: contact.id, at: 1_000_000,
                                 body: "from elsewhere")], logger: .test)
                try await Task.sleep(for: .milliseconds(400))
                let page = try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token)
                #expect(try JSONDecoder().decode(MessagePageResponse.self, from: Data(page.body.utf8)).messages.messages.first?.body
                        == "from elsewhere")
            }
        }
    }

    @Test func revokedTokensAndRateLimitsApplyOnTheHotPathToo() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            let app = makeApplication(store: store) {
                $0.rateLimit = RateLimitPolicy(burst: 5, window: .seconds(30), daily: 1000)
            }
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let path = "/conversations/\(conversation)/messages"
                var statuses: [Int] = []
                for _ in 0..<7 { statuses.append(try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token).status) }
                #expect(statuses == [200, 200, 200, 200, 200, 429, 429])
                let limited = try await Self.get(HTTPClient.shared, port: port, path, token: tenant.token)
                // Whole seconds to the 30-second window's end: 30 at once, less on a slow run.
                #expect(limited.headers["retry-after"].flatMap { Int($0) }.map { (1...30).contains($0) } == true)
                #expect(limited.headers["x-ratelimit-remaining"] == "0")
                #expect(limited.headers["x-ratelimit-max"] == "5")
                #expect(limited.headers["x-ratelimit-interval-milliseconds"] == "30000")
                #expect(limited.headers["x-ratelimit-limit-daily"] == "1000")
                #expect(limited.headers["x-ratelimit-daily-remaining"] == "995")
                #expect(try JSONDecoder().decode(HighLevelErrorBody.self, from: Data(limited.body.utf8)).withoutTraceId
                        == HighLevelErrorBody(statusCode: 429, message: "Too Many Requests"))
                // The hot path's own status line, as the full path writes it.
                let raw = try RawConnection(port: port)
                raw.write(HostileTrafficTests.get(path, token: tenant.token))
                #expect(try await raw.response().head.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
                let token = try await store.makeToken(for: tenant.location, scopes: [.messagesReadonly])
                #expect(try await Self.get(HTTPClient.shared, port: port, path, token: token).status == 200)
                #expect(try await Self.get(HTTPClient.shared, port: port, path, token: token).status == 200)
                #expect(try await store.revokeToken(idOrHash: TokenHash(token: token).rawValue, at: testEpoch, logger: .test))
                try await Task.sleep(for: .milliseconds(1100))
                #expect(try await Self.get(HTTPClient.shared, port: port, path, token: token).status == 401)
            }
        }
    }
}
