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
                let answer = try await rawExchange(port: port, Array((head + framing).utf8), closingTheSendingSide: true)
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
}
