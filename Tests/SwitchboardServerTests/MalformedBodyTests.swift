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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)  // generous: the suites run in parallel on a loaded machine
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
