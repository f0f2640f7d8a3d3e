import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import SwitchboardCore
import SwitchboardTestSupport
import Testing

@testable import SwitchboardClient

/// Retries against a tiny server that fails a set number of times before answering.
@Suite("Retries")
struct RetryTests {
    /// Answers the first `failures` requests to every route with `status` (and the given headers), then succeeds.
    final class FlakyServer: Sendable {
        let failures: Int
        let status: HTTPResponse.Status
        let headers: HTTPFields
        private let hits = Mutex(0)

        init(failures: Int, status: HTTPResponse.Status, headers: HTTPFields = [:]) {
            self.failures = failures
            self.status = status
            self.headers = headers
        }

        var requestCount: Int { hits.withLock { $0 } }

        func run(_ body: @escaping @Sendable (_ baseURL: String) async throws -> Void) async throws {
            let router = Router()
            router.get("/conversations/:id/messages") { _, _ in try self.answer(success: Self.emptyPage) }
            router.post("/conversations/messages") { _, _ in try self.answer(success: Self.sendResult, created: true) }
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: .test)
            try await app.test(.live) { client in
                try await body("http://127.0.0.1:\(try #require(client.port))")
            }
        }

        private func answer(success: String, created: Bool = false) throws -> Response {
            let attempt = hits.withLock { count in
                count += 1
                return count
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            if attempt <= failures {
                headers.append(contentsOf: self.headers)
                let body = #"{"statusCode":\#(status.code),"message":"\#(status.reasonPhrase)"}"#
                return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            return Response(
                status: created ? .created : .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: success)))
        }

        static let emptyPage = #"{"messages":{"nextPage":false,"messages":[]},"traceId":"t"}"#
        static let sendResult = #"{"conversationId":"c1","messageId":"m1","traceId":"t"}"#
    }

    static func client(_ baseURL: String, _ policy: RetryPolicy) -> ConversationsClient {
        ConversationsClient(
            configuration: ClientConfiguration(baseURL: baseURL, token: "pit-test", retryPolicy: policy, logger: .test))
    }

    static let sms = SendMessageRequest(type: .sms, contactId: ContactID(rawValue: "ct1"), message: "hi")

    @Test func rateLimited429sAreRetriedAfterRetryAfter() async throws {
        let rateLimitHeaders: HTTPFields = [
            .retryAfter: "2", .rateLimitMax: "100",
            .rateLimitRemaining: "0", .rateLimitInterval: "10000",
            .rateLimitDaily: "200000", .rateLimitDailyRemaining: "1234",
        ]
        let server = FlakyServer(failures: 2, status: .tooManyRequests, headers: rateLimitHeaders)
        let sleeps = SleepRecorder()
        try await server.run { baseURL in
            let page = try await Self.client(baseURL, sleeps.policy()).messages(in: ConversationID(rawValue: "c1"))
            #expect(page.messages.isEmpty)
        }
        #expect(server.requestCount == 3)
        #expect(sleeps.recorded == [.seconds(2), .seconds(2)])
    }

    @Test func exhaustedBurstWindowWithoutRetryAfterWaitsTheWindowOut() async throws {
        let headers: HTTPFields = [
            .rateLimitRemaining: "0", .rateLimitInterval: "1500",
        ]
        let server = FlakyServer(failures: 1, status: .tooManyRequests, headers: headers)
        let sleeps = SleepRecorder()
        try await server.run { baseURL in
            _ = try await Self.client(baseURL, sleeps.policy()).messages(in: ConversationID(rawValue: "c1"))
        }
        #expect(sleeps.recorded == [.milliseconds(1500)])
    }

    @Test func unavailable503sAreRetriedWithGrowingBackoff() async throws {
        let server = FlakyServer(failures: 3, status: .serviceUnavailable)
        let sleeps = SleepRecorder()
        try await server.run { baseURL in
            _ = try await Self.client(baseURL, sleeps.policy()).messages(in: ConversationID(rawValue: "c1"))
        }
        #expect(server.requestCount == 4)
        // 100 ms doubling, equal jitter at 0.5: 75, 150, 300 ms.
        #expect(sleeps.recorded == [.milliseconds(75), .milliseconds(150), .milliseconds(300)])
    }

    @Test func givesUpAfterMaximumAttemptsWithTheLastError() async throws {
        let server = FlakyServer(failures: 10, status: .badGateway)
        let sleeps = SleepRecorder()
        try await server.run { baseURL in
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await Self.client(baseURL, sleeps.policy(maximumAttempts: 3)).messages(in: ConversationID(rawValue: "c1"))
            }
            #expect(error.status == 502)
            #expect(error.attempts == 3)
            #expect(error.messages == ["Bad Gateway"])
        }
        #expect(server.requestCount == 3)
        #expect(sleeps.recorded.count == 2)
    }

    @Test func retryAfterLongerThanTheWaitBudgetIsNotWaited() async throws {
        let server = FlakyServer(failures: 5, status: .tooManyRequests, headers: [.retryAfter: "120"])
        let sleeps = SleepRecorder()
        try await server.run { baseURL in
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await Self.client(baseURL, sleeps.policy()).messages(in: ConversationID(rawValue: "c1"))
            }
            #expect(error.status == 429)
            #expect(error.rateLimit.retryAfter == .seconds(120))
            #expect(error.description.contains("retry after 120s"))
        }
        #expect(server.requestCount == 1)
        #expect(sleeps.recorded.isEmpty)
    }

    @Test func sendIsNotRetriedAfterA5xx() async throws {
        let server = FlakyServer(failures: 1, status: .serviceUnavailable)
        let sleeps = SleepRecorder()
        try await server.run { baseURL in
            let error = try await #require(throws: HighLevelAPIError.self) {
                try await Self.client(baseURL, sleeps.policy()).sendMessage(Self.sms)
            }
            #expect(error.status == 503)
        }
        #expect(server.requestCount == 1)
        #expect(sleeps.recorded.isEmpty)
    }

    @Test func sendIsRetriedAfterA429BecauseItWasRefusedUnprocessed() async throws {
        let server = FlakyServer(failures: 1, status: .tooManyRequests, headers: [.retryAfter: "1"])
        let sleeps = SleepRecorder()
        try await server.run { baseURL in
            let sent = try await Self.client(baseURL, sleeps.policy()).sendMessage(Self.sms)
            #expect(sent.messageId == MessageID(rawValue: "m1"))
            #expect(sent.conversationId == ConversationID(rawValue: "c1"))
        }
        #expect(server.requestCount == 2)
        #expect(sleeps.recorded == [.seconds(1)])
    }

    @Test func sendIsRetriedWhenTheConnectionWasNeverMade() async throws {
        // Nothing listens on the port; connection retries inside AsyncHTTPClient are off so each attempt fails fast.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        let sleeps = SleepRecorder()
        try await HTTPClient.withHTTPClient(configuration: configuration) { http in
            let base = "http://127.0.0.1:\(try await Self.closedPort())"
            let client = ConversationsClient(
                configuration: ClientConfiguration(
                    baseURL: base, token: "pit-test", retryPolicy: sleeps.policy(maximumAttempts: 3), logger: .test),
                httpClient: http)
            let error = try await #require(throws: ClientTransportError.self) { try await client.sendMessage(Self.sms) }
            #expect(error.attempts == 3)
            #expect(error.requestWasNotSent)
            #expect(error.description == "POST \(base)/conversations/messages failed after 3 attempts: Connection refused (errno 111)")
        }
        #expect(sleeps.recorded.count == 2)
    }

    /// A loopback port nobody listens on: bound by a server that has stopped.
    static func closedPort() async throws -> Int {
        let app = Application(
            router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: .test)
        return try await app.test(.live) { client in try #require(client.port) }
    }
}

extension HTTPField.Name {
    // Constant, valid names: the one place a `!` is allowed (STYLE.md §3.7).
    static let rateLimitMax = Self("X-RateLimit-Max")!
    static let rateLimitRemaining = Self("X-RateLimit-Remaining")!
    static let rateLimitInterval = Self("X-RateLimit-Interval-Milliseconds")!
    static let rateLimitDaily = Self("X-RateLimit-Limit-Daily")!
    static let rateLimitDailyRemaining = Self("X-RateLimit-Daily-Remaining")!
}
