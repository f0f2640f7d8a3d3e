@testable import SwitchboardServer
import Testing

/// The hot path's own reading of request heads: what it keeps, where a head ends, and what it refuses to vouch for.
@Suite struct RequestHeadTests {
    static func read(_ text: String, limit: Int = 1024) -> RequestHead.Reading {
        Array(text.utf8).withUnsafeBytes { RequestHead.read($0, limit: limit) }
    }

    @Test func readsTheFieldsTheHotPathNeeds() {
        let text = "GET /conversations/c1/messages?limit=5 HTTP/1.1\r\nHost: x\r\nauthorization:  Bearer pit-1 \r\n"
            + "VERSION: 2021-04-15\r\nX-Request-Id: r-1\r\n\r\nGET / HTTP/1.1\r\n"
        let expected = RequestHead(
            method: "GET", target: "/conversations/c1/messages?limit=5", authorization: "Bearer pit-1",
            version: "2021-04-15", requestId: "r-1")
        #expect(Self.read(text) == .head(expected, size: text.utf8.count - "GET / HTTP/1.1\r\n".utf8.count))
    }

    @Test func aHeadNotYetWholeIsIncomplete() {
        #expect(Self.read("GET /a HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(Self.read("GET /a HTTP/1.1\r\nHost: x\r") == .incomplete)
        #expect(Self.read("GE") == .incomplete)
        // Past the limit it is NIO's parser's to refuse.
        #expect(Self.read("GET /a HTTP/1.1\r\nX: " + String(repeating: "a", count: 2000), limit: 1024) == .unusual)
    }

    @Test func bodiesAndHeadersOnlyTheFullPathHandles() {
        guard case .head(let post, let size) = Self.read("POST /contacts/ HTTP/1.1\r\nContent-Length: 12\r\n\r\n{}") else {
            Issue.record("not a head")
            return
        }
        #expect(post.method == "POST")
        #expect(post.contentLength == 12)
        #expect(size == "POST /contacts/ HTTP/1.1\r\nContent-Length: 12\r\n\r\n".utf8.count)
        for text in [
            "GET /a HTTP/1.0\r\n\r\n", "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n",
            "GET /a HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", "GET /a HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
            "GET /a HTTP/1.1\r\nVersion: v3\r\nVersion: v3\r\n\r\n",
            "GET /a HTTP/1.1\r\nAuthorization: Bearer é\r\n\r\n",
        ] {
            guard case .head(let head, _) = Self.read(text) else {
                Issue.record("not a head: \(text)")
                continue
            }
            #expect(head.needsFullPath, "\(text)")
        }
    }

    @Test(arguments: [
        "GET /a HTTP/1.1\nHost: x\n\n",  // bare LF
        "GET /a HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n",
        "GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        "GET /a HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        "GET /a HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
        "GET /a HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET /a HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET /a HTTP/1.1\r\nX: a\u{1}b\r\n\r\n",
        "\r\nGET /a HTTP/1.1\r\n\r\n",
        "get /a HTTP/1.1\r\n\r\n",
        "GET a HTTP/1.1\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
        "GET /a HTTP/2.0\r\n\r\n",
        "GARBAGE\r\n\r\n",
    ])
    func headsItCannotVouchForAreUnusual(_ text: String) {
        #expect(Self.read(text) == .unusual)
    }

    /// The path the hot path logs: the target up to its query, whatever characters it holds.
    @Test func theLoggedPathEndsAtTheQuery() {
        #expect(HotPath.path(of: "/conversations/abc/messages?limit=3&type=TYPE_SMS") == "/conversations/abc/messages")
        #expect(HotPath.path(of: "/conversations/abc/messages") == "/conversations/abc/messages")
        #expect(HotPath.path(of: "/conversations/é🙂/messages?x=?") == "/conversations/é🙂/messages")
        #expect(HotPath.path(of: "?only=query") == "")
        #expect(HotPath.path(of: "") == "")
    }
}
