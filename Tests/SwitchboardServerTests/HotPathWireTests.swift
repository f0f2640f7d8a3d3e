import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// One client socket that writes raw bytes and reads whole responses (framed by Content-Length), so tests can split,
/// pipeline and mix requests the way no HTTP client library would. Its blocking reads run off the concurrency pool.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private var received: [UInt8] = []

    init(port: Int) throws {
        fd = try connectedLoopbackSocket(port: port, receiveTimeout: 20)  // generous: suites run in parallel
    }

    deinit { close(fd) }

    func write(_ text: String) {
        _ = sent(text)
    }

    /// Sends `text`; nil when it was sent, else the error (`EPIPE` or `ECONNRESET` once the server reset the
    /// connection).
    func sent(_ text: String) -> Int32? {
        let count = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return count < 0 ? errno : nil
    }

    /// The next whole response: its head as text, and its body.
    func response() async throws -> (head: String, body: String) {
        try await offTheConcurrencyPool { try self.blockingResponse() }
    }

    /// Whether the server closed the connection (reads end) within the socket's timeout.
    func isClosedByServer() async throws -> Bool {
        try await offTheConcurrencyPool {
            while try self.fill() {}
            return true
        }
    }

    private func blockingResponse() throws -> (head: String, body: String) {
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: received[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count >= end + 4 + length {
                    let body = String(decoding: received[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    received.removeFirst(end + 4 + length)
                    return (head, body)
                }
            }
            guard try fill() else { throw RawSocketError.closed }
        }
    }

    /// Reads more; false at the end of the stream.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        if count < 0 { throw errno == EAGAIN || errno == EWOULDBLOCK ? RawSocketError.timeout : .failed(errno: errno) }
        received += buffer[0..<count]
        return count > 0
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard received.count >= pattern.count else { return nil }
        for index in 0...(received.count - pattern.count) where received[index..<(index + pattern.count)].elementsEqual(pattern) {
            return index
        }
        return nil
    }
}


/// The hot path in front of NIO's parser, on the wire: the same bytes as the full path, order kept when requests
/// are pipelined and mixed, heads split across packets, odd heads handed over, idle connections closed.
@Suite struct HotPathWireTests {
    static func get(_ path: String, _ tenant: Tenant, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(tenant.token)\r\nVersion: 2021-04-15\r\n"
            + "X-Request-Id: r-1\r\n\(extra)\r\n"
    }

    /// Trace ids and the Date differ from answer to answer; everything else must be byte-identical.
    static func normalised(_ response: (head: String, body: String)) -> String {
        let head = response.head.split(separator: "\r\n").map { $0.hasPrefix("Date: ") ? "Date: …" : String($0) }
        let body = response.body.replacingOccurrences(
            of: #""traceId":"[0-9a-f-]{36}""#, with: #""traceId":"…""#, options: .regularExpression)
        return head.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    @Test func hotAnswersAreTheFullPathsBytes() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 10)
            try await makeApplication(store: store).test(.live) { client in
                let connection = try RawConnection(port: try #require(client.port))
                for path in ["/conversations/\(conversation)/messages?limit=3", "/conversations/messages/\(messages[2].id)"] {
                    connection.write(Self.get(path, tenant))
                    let full = try await connection.response()
                    connection.write(Self.get(path, tenant))
                    let hot = try await connection.response()
                    #expect(full.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                    #expect(Self.normalised(hot) == Self.normalised(full))
                    #expect(hot.body != full.body, "each answer has its own trace id")
                }
            }
        }
    }

    /// One packet: a cached read, a write, the same read, another read. Answers come back in request order and
    /// the read after the write sees it.
    @Test func pipelinedMixedRequestsAreAnsweredInOrder() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, seeded) = try await seedConversation(store, tenant: tenant, count: 3)
            try await makeApplication(store: store).test(.live) { client in
                let connection = try RawConnection(port: try #require(client.port))
                let page = "/conversations/\(conversation)/messages"
                connection.write(Self.get(page, tenant))
                #expect(try await connection.response().body.contains(#""body":"hello""#))
                let json = #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(seeded[0].contactId)","message":"new"}"#
                connection.write(
                    Self.get(page, tenant)
                        + "POST /conversations/messages/inbound HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(tenant.token)\r\n"
                        + "Version: 2021-04-15\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
                        + Self.get(page, tenant) + Self.get(page + "?limit=10", tenant))
                var answers: [(head: String, body: String)] = []
                for _ in 0..<4 { answers.append(try await connection.response()) }
                #expect(answers.map { $0.head.prefix(12) } == ["HTTP/1.1 200", "HTTP/1.1 201", "HTTP/1.1 200", "HTTP/1.1 200"])
                #expect(!answers[0].body.contains(#""body":"new""#))
                #expect(answers[1].body.contains(#""messageId""#))
                #expect(answers[2].body.contains(#""body":"new""#))
                #expect(answers[3].body.contains(#""body":"new""#))
            }
        }
    }

    @Test func aHeadSplitAcrossPacketsIsAnsweredOnce() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            try await makeApplication(store: store).test(.live) { client in
                let connection = try RawConnection(port: try #require(client.port))
                let request = Self.get("/conversations/\(conversation)/messages", tenant)
                connection.write(request)
                let first = try await connection.response()
                let bytes = Array(request.utf8)
                for chunk in [bytes[0..<5], bytes[5..<40], bytes[40...]] {
                    connection.write(String(decoding: chunk, as: UTF8.self))
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(Self.normalised(try await connection.response()) == Self.normalised(first))
            }
        }
    }

    /// A head the hot path does not vouch for goes to NIO's parser with everything after it, and is answered there.
    @Test func unusualHeadsHandTheConnectionOver() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            try await makeApplication(store: store).test(.live) { client in
                let connection = try RawConnection(port: try #require(client.port))
                let page = "/conversations/\(conversation)/messages"
                connection.write(Self.get(page, tenant, extra: "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n")
                #expect(try await connection.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                connection.write(Self.get(page, tenant) + Self.get(page + "?limit=oops", tenant))
                #expect(try await connection.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                let invalid = try await connection.response()
                #expect(invalid.head.hasPrefix("HTTP/1.1 422 Unprocessable Entity\r\n"))
                #expect(invalid.body.contains(#""message":["limit must be an integer number"]"#))
            }
        }
    }

    /// Hummingbird does not see hot requests, so the hot path keeps the idle timeout: a busy connection stays open,
    /// an idle one is closed.
    @Test func idleConnectionsAreClosedAndBusyOnesKept() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            // Long enough that a loaded machine's pauses between two requests never reach it.
            try await makeApplication(store: store, configure: { $0.idleTimeout = .seconds(3) }).test(.live) { client in
                let connection = try RawConnection(port: try #require(client.port))
                let request = Self.get("/conversations/\(conversation)/messages", tenant)
                // Busy for twice the idle timeout, never quiet for long.
                for _ in 0..<30 {
                    connection.write(request)
                    #expect(try await connection.response().head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                    try await Task.sleep(for: .milliseconds(200))
                }
                let idleSince = ContinuousClock.now
                #expect(try await connection.isClosedByServer())
                #expect(ContinuousClock.now - idleSince < .seconds(10))
            }
        }
    }
}
