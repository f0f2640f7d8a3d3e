import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// No request produces a 500 or a crash, and none changes what is stored (issue 2, "Bad input").
@Suite struct BadInputTests {
    static let hostile = [
        "", "%20", "%00", "%27%3B%20DROP%20TABLE%20messages%3B--", "%22%3E%3Cscript%3E", "%F0%9F%92%A5%E2%80%AE",
        "..%2F..%2Fetc%2Fpasswd", "%25s%25n", "%C0%AF", String(repeating: "a", count: 10_000), "*", "NULL", "-1",
    ]

    /// Every hostile value in every parameter of the read routes.
    static func hostileURIs(conversation: ConversationID, location: LocationID) -> [String] {
        hostile.flatMap { value in
            [
                "/conversations/\(value)/messages",
                "/conversations/\(conversation)/messages?lastMessageId=\(value)",
                "/conversations/\(conversation)/messages?limit=\(value)",
                "/conversations/\(conversation)/messages?type=\(value)",
                "/conversations/\(conversation)/messages?type=TYPE_SMS&type=\(value)&limit=1&limit=\(value)",
                "/conversations/messages/\(value)",
                "/conversations/\(value)",
                "/conversations/search?locationId=\(value)",
                "/conversations/search?locationId=\(location)&query=\(value)&status=\(value)",
                "/conversations/search?locationId=\(location)&query=\(value)",
                "/conversations/messages/export?locationId=\(location)&cursor=\(value)",
                "/contacts/\(value)",
                "/\(value)",
            ]
        }
    }

    @Test(arguments: Backend.allCases)
    func hostileValuesInEveryParameterGetHighLevelShaped4xx(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 5)
            let uris = Self.hostileURIs(conversation: conversation, location: tenant.location)
            for uri in uris {
                let response = try await client.get(uri, headers: tenant.headers)
                let status = response.status.code
                if status == 200 { continue }  // e.g. a search for an odd string that matches nothing
                #expect((400..<500).contains(status), "\(uri.prefix(120)) answered \(status)")
                let body = try response.errorBody()
                #expect(body.statusCode == status, "\(uri.prefix(120))")
            }
            let page = try await store.messagePage(
                MessagePageQuery(conversationId: conversation, locationId: tenant.location), logger: .test)
            #expect(page.messages.map(\.id) == messages.reversed().map(\.id))
        }
    }

    /// The same hostile requests get the same answers, byte for byte (trace ids aside), from either backend.
    /// PostgreSQL once refused a NUL (`%00`) as invalid input (422) where SQLite, which binds text up to its first
    /// NUL, answered "Invalid lastMessageId", searched for "", or did not know the OAuth client.
    @Test func hostileValuesGetTheSameAnswersFromBothBackends() async throws {
        var answers: [Backend: [String]] = [:]
        // Both, whatever SWITCHBOARD_TEST_BACKENDS says: this test compares them.
        for backend in [Backend.sqlite, .postgres] {
            answers[backend] = try await withStore(backend) { store in
                let tenant = try await store.makeTenant()
                let conversation = ConversationID(rawValue: "HostileConversation1")
                let messages = (0..<5).map { index in
                    makeMessage(
                        "HostileMessage00000\(index)", conversation: conversation, location: tenant.location,
                        contact: ContactID(rawValue: "HostileContact000001"), at: Int64(index) * 1000)
                }
                try await store.insertMessages(messages, logger: .test)
                @Sendable func described(_ request: String, _ response: TestResponse) -> String {
                    "\(request) → \(response.status.code) \(response.text)"
                        .replacingOccurrences(of: #""traceId":"[0-9a-f-]{36}""#, with: "", options: .regularExpression)
                        .replacingOccurrences(of: tenant.location.rawValue, with: "{location}")
                }
                return try await makeApplication(store: store).test(.router) { client in
                    var answers: [String] = []
                    for uri in Self.hostileURIs(conversation: conversation, location: tenant.location) {
                        answers.append(described(uri, try await client.get(uri, headers: tenant.headers)))
                    }
                    for form in [
                        "grant_type=refresh_token&client_id=a%00b&client_secret=x&refresh_token=y%00z",
                        "grant_type=authorization_code&client_id=%00&client_secret=%00&code=%00",
                    ] {
                        let response = try await client.execute(
                            uri: "/oauth/token", method: .post,
                            headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form))
                        answers.append(described(form, response))
                    }
                    return answers
                }
            }
        }
        let sqlite = answers[.sqlite] ?? [], postgres = answers[.postgres] ?? []
        #expect(sqlite.count == postgres.count)
        for (fromSQLite, fromPostgres) in zip(sqlite, postgres) {
            #expect(fromSQLite == fromPostgres)
        }
    }

    @Test(arguments: Backend.allCases)
    func hostileBodiesAreRejectedWithoutWriting(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let bodies = [
                "", "null", "[]", "\"string\"", "{", "{\"type\":", String(repeating: "[", count: 5000),
                #"{"type":"SMS","conversationId":{"$ne":null},"contactId":"x"}"#,
                #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"x","date":"9999999-01-01T00:00:00Z"}"#,
                #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"x","attachments":[1,2]}"#,
                #"{"type":["SMS"],"conversationId":1e999,"contactId":true}"#,
            ]
            let paths = ["/conversations/messages/inbound", "/conversations/messages", "/conversations/", "/contacts/",
                         "/contacts/upsert", "/conversations/messages/outbound", "/conversations/\(conversation)",
                         "/conversations/messages/x/status"]
            for path in paths {
                for body in bodies {
                    let method: HTTPRequest.Method = path.hasSuffix("/status") || path.hasSuffix(conversation.rawValue) ? .put : .post
                    let response = try await client.send(method, path, headers: tenant.headers, json: body)
                    let status = response.status.code
                    #expect((400..<500).contains(status), "\(method) \(path) \(body.prefix(60)) answered \(status)")
                    #expect(try response.errorBody().statusCode == status)
                }
            }
            let tooLarge = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"message":""# + String(repeating: "x", count: 2 << 20) + #""}"#)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try tooLarge.errorBody() == HighLevelErrorBody(
                statusCode: 413, message: "request entity too large", error: "Payload Too Large"))
            let export = try await store.exportMessages(
                MessageExportQuery(locationId: tenant.location, limit: 500), logger: .test)
            #expect(export.total == 1)
        }
    }

    /// Over a real socket: a request whose headers exceed the parser's limit is refused or the connection is
    /// closed, and the server goes on serving.
    @Test(arguments: Backend.allCases)
    func hugeHeadersAndMalformedRequestsDoNotBringTheServerDown(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            try await makeApplication(store: store).test(.live) { client in
                let port = try #require(client.port)
                let raw = [
                    "GET /conversations/\(conversation)/messages HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 200_000))\r\n\r\n",
                    "GARBAGE\r\n\r\n",
                    "GET / HTTP/9.9\r\n\r\n",
                    "GET /conversations/\(conversation)/messages HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                    "\u{0}\u{1}\u{2}\r\n\r\n",
                ]
                for request in raw {
                    let answer = try await rawExchange(port: port, Array(request.utf8), receiveTimeout: 2)
                    if let statusLine = answer.split(separator: "\r\n").first, statusLine.hasPrefix("HTTP/1.1 ") {
                        let code = Int(statusLine.dropFirst(9).prefix(3)) ?? 0
                        #expect((400..<500).contains(code), "answered \(statusLine)")
                    }
                }
                let response = try await client.execute(
                    uri: "/conversations/\(conversation)/messages", method: .get, headers: tenant.headers)
                #expect(response.status == .ok)
                #expect(try response.page().messages.messages.count == 2)
            }
        }
    }
}
