import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Regression (issue 9, found by the raw HTTP fuzzer): a request body whose HTTP framing breaks while a handler reads
/// it (a bad chunk size, or the client closing before `Content-Length` bytes arrived) answered 500 "Internal server
/// error". It is a malformed request: the answer is 400 and the connection is closed, and the server goes on serving.
@Suite struct MalformedBodyTests {
    @Test(arguments: Backend.allCases, [
        "Transfer-Encoding: chunked\r\n\r\nZZZ\r\n",
        "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n",
        "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n",
        "Content-Length: 100\r\n\r\n{\"locationId\":",
    ])
    func brokenBodyFramingIsABadRequestNotAServerError(_ backend: Backend, _ framing: String) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await makeApplication(store: store).test(.live) { client in
                let port = try #require(client.port)
                let head = "POST /contacts/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(tenant.token)\r\n"
                    + "Version: 2021-04-15\r\nContent-Type: application/json\r\n"
                let answer = try await Self.exchange(port: port, Array((head + framing).utf8))
                let statusLine = answer.split(separator: "\r\n").first.map(String.init) ?? ""
                #expect(statusLine == "HTTP/1.1 400 Bad Request", "answered \(statusLine)")
                var headers = tenant.headers
                headers[.contentType] = "application/json"
                let after = try await client.execute(
                    uri: "/contacts/", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"locationId":"\#(tenant.location)","name":"Ada"}"#))
                #expect(after.status == .created)
                let health = try await client.execute(uri: "/healthz", method: .get)
                #expect(health.status == .ok)
            }
        }
    }

    /// Sends `bytes`, closes the sending side, and reads until the server closes the connection or 20 seconds pass.
    /// The blocking socket calls run on a Dispatch thread, so they never hold up the server's own tasks.
    static func exchange(port: Int, _ bytes: [UInt8]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingExchange(port: port, bytes) })
            }
        }
    }

    static func blockingExchange(port: Int, _ bytes: [UInt8]) throws -> String {
        // Generous: the suites run in parallel on a loaded machine.
        let fd = try connectedLoopbackSocket(port: port, receiveTimeout: 20)
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        let received = readUntilClosed(fd)
        return String(decoding: received, as: UTF8.self)
    }
}
