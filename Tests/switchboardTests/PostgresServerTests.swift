import Foundation
import NIOHTTP1
import SwitchboardTestSupport
import Testing

/// A database of its own for one test: a schema in the cluster scripts/test.sh started, or a whole cluster.
enum PostgresForTests {
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_URL"] else {
            throw TestFailure("SWITCHBOARD_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh")
        }
        return url
    }

    /// A fresh schema, and the URL that points the server at it.
    static func schemaURL() async throws -> String {
        try await schema().url
    }

    /// A fresh schema: its name (for `sql`) and the URL that points the server at it.
    static func schema() async throws -> (name: String, url: String) {
        let base = try url()
        let schema = "srv_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await run(psql(), ["-q", "-d", base, "-c", "CREATE SCHEMA \(schema)"])
        // A small pool: a store opens its whole pool at once, and many tests run servers and CLIs in parallel.
        return (schema, base + (base.contains("?") ? "&" : "?") + "search_path=\(schema)&pool_size=4")
    }

    /// Runs SQL in `schema` of the shared cluster, as its superuser; the rows, one per line, fields split by `|`.
    @discardableResult
    static func sql(_ statements: String, in schema: String) async throws -> String {
        try await run(psql(), ["-q", "-At", "-d", url(), "-c", "SET search_path = \(schema); \(statements)"])
    }

    static func psql() throws -> String {
        let bin = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_BIN"] ?? "/usr/bin"
        return bin + "/psql"
    }

    /// Runs a command to its end (waiting on a thread of its own) and returns its standard output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        try await offTheConcurrencyPool {
            let child = try ChildProcess([executable] + arguments, stdout: .pipe)
            let output = child.standardOutput.map(ChildProcess.readToEndNow) ?? Data()
            child.waitUntilExit()
            guard child.terminationStatus == 0 else {
                throw TestFailure(
                    "\(executable) \(arguments.joined(separator: " ")) exited \(child.terminationStatus ?? -1)")
            }
            return String(decoding: output, as: UTF8.self)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct PostgresServerTests {
    /// Two servers on one fresh schema (rate limits off unless `arguments` say otherwise); the first made the
    /// location and token.
    static func twoInstances(arguments: [String] = ["--rate-limit", "off"]) async throws -> (ServerProcess, ServerProcess) {
        let database = try await PostgresForTests.schemaURL()
        let first = try ServerProcess(database: database, arguments: arguments)
        do {
            try await first.waitUntilReady()
            let second = try ServerProcess(database: database, arguments: arguments)
            do {
                try await second.waitUntilReady()
            } catch {
                second.stop()
                throw error
            }
            return (first, second)
        } catch {
            first.stop()
            throw error
        }
    }

    /// Two stateless instances on one database: what one writes, the other reads at once; concurrent writers on
    /// both lose nothing (issue 4).
    @Test func twoInstancesShareOneDatabase() async throws {
        let (first, second) = try await Self.twoInstances()
        defer { first.stop(); second.stop() }
        // Initialised by the first: the second prints only the inbox's address and where it listens.
        #expect(
            second.output == [
                "inbox: \(second.baseURL)/ui/#location=\(first.location)",
                "listening on \(second.baseURL) (API docs: \(second.baseURL)/docs)",
            ])
        let token = first.token
        let contact = try await first.send(
            .POST, "/contacts/", token: token, json: #"{"locationId":"\#(first.location)","firstName":"Both"}"#)
        let contactId = try #require(
            ((try JSONSerialization.jsonObject(with: Data(contact.body.utf8)) as? [String: Any])?["contact"] as? [String: Any])?["id"] as? String)
        let sent = try await first.send(
            .POST, "/conversations/messages", token: token, json: #"{"type":"SMS","contactId":"\#(contactId)","message":"hello"}"#)
        #expect(sent.status == 201)
        let messageId = try #require(jsonField(sent.body, "messageId"))
        let conversation = try #require(jsonField(sent.body, "conversationId"))
        let headers = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
        #expect(try await second.get("/conversations/messages/\(messageId)", headers: headers).status == 200)

        let perWriter = 100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, server) in [first, second, first, second].enumerated() {
                group.addTask {
                    for n in 0..<perWriter {
                        let response = try await server.send(
                            .POST, "/conversations/messages/inbound", token: token,
                            json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contactId)","message":"w\#(index)-\#(n)"}"#)
                        guard response.status == 201 else { throw TestFailure("write answered \(response.status): \(response.body)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        var bodies: [String] = []
        var cursor = ""
        for _ in 0..<20 {
            let page = try await second.get("/conversations/\(conversation)/messages?limit=100\(cursor)", headers: headers)
            let object = try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any]
            let inner = try #require(object?["messages"] as? [String: Any])
            bodies += (inner["messages"] as? [[String: Any]] ?? []).compactMap { $0["body"] as? String }
            guard inner["nextPage"] as? Bool == true, let last = inner["lastMessageId"] as? String else { break }
            cursor = "&lastMessageId=\(last)"
        }
        #expect(bodies.count == 4 * perWriter + 1)
        #expect(Set(bodies).count == 4 * perWriter + 1)
    }

    /// Live events cross instances (issue 22): a listener on one instance sees what another wrote, within a second,
    /// once (the writer's own listener does not get it twice), also for a message too large to relay whole.
    @Test func aListenerOnOneInstanceSeesTheOtherInstancesWrites() async throws {
        let (first, second) = try await Self.twoInstances()
        defer { first.stop(); second.stop() }
        let token = first.token
        let ready = "listening for every event (Ctrl-C stops)"
        let (elsewhere, seenElsewhere) = try await ToolkitCLITests.startListening(
            ["--base-url", second.baseURL, "--token", token], until: ready)
        defer { kill(elsewhere.processIdentifier, SIGTERM) }
        let (here, seenHere) = try await ToolkitCLITests.startListening(
            ["--base-url", first.baseURL, "--token", token], until: ready)
        defer { kill(here.processIdentifier, SIGTERM) }
        let headers = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
        let contactId = try await ToolkitCLITests.makeContact(first, location: first.location, headers: headers)
        // "listening on" comes before the relay's LISTEN is surely in place: a first message proves it is.
        var relaying = false
        for attempt in 0..<20 where !relaying {
            _ = try await first.send(
                .POST, "/conversations/messages", token: token,
                json: #"{"type":"SMS","contactId":"\#(contactId)","message":"warm-up \#(attempt)"}"#)
            for _ in 0..<10 where !relaying {
                try await Task.sleep(for: .milliseconds(100))
                relaying = seenElsewhere.all.contains { $0.contains(#""body":"warm-up \#(attempt)""#) }
            }
        }
        #expect(relaying)

        let sent = try await first.send(
            .POST, "/conversations/messages", token: token,
            json: #"{"type":"SMS","contactId":"\#(contactId)","message":"across instances"}"#)
        #expect(sent.status == 201)
        let acknowledged = ContinuousClock.now
        try await ToolkitCLITests.waitFor { seenElsewhere.all.contains { $0.contains(#""body":"across instances""#) } }
        #expect(ContinuousClock.now - acknowledged < .seconds(1))

        // Over PostgreSQL's 8,000-byte NOTIFY limit: relayed by message id, read again by the receiving instance.
        let long = String(repeating: "long message ", count: 800)
        let large = try await first.send(
            .POST, "/conversations/messages", token: token,
            json: #"{"type":"SMS","contactId":"\#(contactId)","message":"\#(long)"}"#)
        #expect(large.status == 201)
        let largeId = try #require(jsonField(large.body, "messageId"))
        try await ToolkitCLITests.waitFor { seenElsewhere.all.contains { $0.contains(largeId) && $0.contains(long) } }

        // Under the limit as stored, over it once escaped again inside the notification (3,000 quotes: 6 kB in the
        // payload, 12 kB in the notification): relayed by message id as well.
        let quoted = try await first.send(
            .POST, "/conversations/messages", token: token,
            json: #"{"type":"SMS","contactId":"\#(contactId)","message":"\#(String(repeating: #"\""#, count: 3000))"}"#)
        #expect(quoted.status == 201)
        let quotedId = try #require(jsonField(quoted.body, "messageId"))
        try await ToolkitCLITests.waitFor { seenElsewhere.all.contains { $0.contains(quotedId) } }

        try await Task.sleep(for: .milliseconds(300))
        #expect(seenHere.all.filter { $0.contains(#""body":"across instances""#) }.count == 1)
        #expect(seenElsewhere.all.filter { $0.contains(#""body":"across instances""#) }.count == 1)
        #expect(seenHere.all.filter { $0.contains(largeId) }.count == 1)
    }

    /// PostgreSQL goes away mid-run: every request is answered within 10 seconds, 503 with HighLevel's body;
    /// `/healthz` stays 200, `/readyz` answers 503, the process stays up. Once PostgreSQL is back, the same process
    /// serves again by itself within 30 seconds (issue 4), also after an outage long enough for postgres-nio's
    /// reconnect backoff to have grown. On a cluster of its own: the shared one stays up for the
    /// tests running beside this one.
    static let longOutage: Duration = .seconds(75)
    static let quietOutage: Duration = .seconds(50)

    @Test func survivesAnOutageWithoutARestart() async throws {
        try await PostgresTestCluster.with { cluster in
            let demo = try await DemoServer(on: cluster)
            defer { demo.server.stop() }
            let server = demo.server
            #expect(try await server.get("/readyz", headers: [:]) == (200, #"{"status":"ready"}"#))

            try await cluster.stopServer()
            let stopped = ContinuousClock.now
            // A read, a write, a token this process has never seen (so looked up in the database), and readiness,
            // all at once; twice, the second time on a pool that has been failing for a while.
            let slowest = try await demo.expectUnavailable(includingAnUnknownToken: true)
            #expect(try await server.get("/healthz", headers: [:]) == (200, #"{"status":"ok"}"#))
            #expect(server.process.isRunning)
            // A long outage under traffic: by now postgres-nio's own pool would retry only every ~15 s (its backoff
            // grows to a minute), so coming back within seconds below means the store replaced its pool.
            while ContinuousClock.now - stopped < Self.longOutage {
                #expect(try await server.get(demo.page, headers: demo.headers).status == 503)
                try await Task.sleep(for: .seconds(1))
            }
            let outage = ContinuousClock.now - stopped

            try await cluster.startServer()
            let recovery = try await demo.expectServingAgain()
            // The promise is 30 s; the store checks every second and waits at most 5 s for a connection.
            #expect(recovery < .seconds(8), "serving again only \(recovery) after PostgreSQL came back")
            #expect(try await server.get("/readyz", headers: [:]) == (200, #"{"status":"ready"}"#))
            #expect(try await server.send(.POST, "/contacts/", token: server.token, json: demo.contact).status == 201)
            #expect(server.process.isRunning)
            print("outage: 503s within \(slowest) (outage \(outage)); serving again \(recovery) after PostgreSQL restarted")

            // A quiet outage: no request at all while PostgreSQL is down; the first request a few seconds after it
            // is back is served at once.
            try await cluster.stopServer()
            try await Task.sleep(for: Self.quietOutage)
            try await cluster.startServer()
            try await Task.sleep(for: .seconds(4))
            let (first, firstTook) = try await timed { try await server.get(demo.page, headers: demo.headers) }
            #expect(first.status == 200, "the first request after a quiet outage: \(first.body)")
            #expect(firstTook < .seconds(2), "the first request after a quiet outage took \(firstTook)")
            #expect(withPlaceholderTraceId(first.body) == withPlaceholderTraceId(demo.before.body))
            print("quiet outage: the first request 4 s after PostgreSQL restarted answered \(first.status) in \(firstTook)")
        }
    }

    /// A database that stops answering without closing its connections (a frozen host, a network dropping packets):
    /// PostgreSQL's own statement timeout cannot fire, yet every request is answered within 10 seconds, and the
    /// server serves again by itself once the database answers.
    @Test func survivesAFrozenDatabase() async throws {
        try await PostgresTestCluster.with { cluster in
            let demo = try await DemoServer(on: cluster)
            defer { demo.server.stop() }
            try cluster.freezeServer()
            let slowest: Duration
            do {
                // First on connections that were open when it froze, then on a pool that has been failing.
                slowest = try await demo.expectUnavailable(includingAnUnknownToken: false)
            } catch {
                try? cluster.thawServer()
                throw error
            }
            try cluster.thawServer()
            let recovery = try await demo.expectServingAgain()
            #expect(demo.server.process.isRunning)
            print("frozen database: 503s within \(slowest); serving again \(recovery) after it answered")
            // And it still stops on SIGTERM, within its grace period (a server once stayed alive after this).
            kill(demo.server.process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(30)
            while demo.server.process.isRunning && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(!demo.server.process.isRunning, "the server did not exit within 30 s of SIGTERM")
        }
    }
}

/// A server with demo data on a cluster of its own, and the first page of one of its conversations as first served.
private struct DemoServer {
    let server: ServerProcess
    let page: String
    let headers: [String: String]
    let before: (status: Int, body: String)
    var contact: String { #"{"locationId":"\#(server.location)","firstName":"Outage"}"# }

    init(on cluster: PostgresTestCluster) async throws {
        server = try ServerProcess(database: cluster.url, arguments: ["--demo", "--rate-limit", "off"])
        do {
            try await server.waitUntilReady()
            let conversation = try #require(server.lastConversation)
            headers = ["Authorization": "Bearer \(server.token)", "Version": "2021-04-15"]
            page = "/conversations/\(conversation)/messages?limit=5"
            before = try await server.get(page, headers: headers)
        } catch {
            server.stop()
            throw error
        }
        #expect(before.status == 200)
    }

    /// Twice, requests at once — a read, a write, readiness and, if asked, a token this process has never seen (so
    /// looked up in the database) — each answered 503 with HighLevel's body within 10 seconds; the slowest answer.
    func expectUnavailable(includingAnUnknownToken: Bool) async throws -> Duration {
        let unknownToken = ["Authorization": "Bearer pit-00000000-0000-4000-8000-000000000000", "Version": "v3"]
        let unavailable = #"{"statusCode":503,"message":"Service Unavailable","error":"Service Unavailable","traceId":"…"}"#
        var slowest = Duration.zero
        for round in 1...2 {
            async let read = timed { try await server.get(page, headers: headers) }
            async let write = timed { try await server.send(.POST, "/contacts/", token: server.token, json: contact) }
            async let unknown = includingAnUnknownToken ? timed { try await server.get(page, headers: unknownToken) } : nil
            async let ready = timed { try await server.get("/readyz", headers: [:]) }
            var answers = try await [("read", read), ("write", write), ("readyz", ready)]
            if let unknown = try await unknown { answers.append(("unknown token", unknown)) }
            for (name, (response, elapsed)) in answers {
                // A cached answer may still be served until the change feed has been silent for its limit (1 s):
                // no write can commit meanwhile, so it is not stale. The second round is past that.
                if round == 1, name == "read", response.status == 200 {
                    #expect(withPlaceholderTraceId(response.body) == withPlaceholderTraceId(before.body))
                    continue
                }
                #expect(response.status == 503, "round \(round), \(name): \(response.body)")
                #expect(withPlaceholderTraceId(response.body) == unavailable, "round \(round), \(name)")
                #expect(elapsed < .seconds(10), "round \(round), \(name) took \(elapsed)")
                slowest = max(slowest, elapsed)
            }
        }
        return slowest
    }

    /// Waits up to 30 seconds (the promise) for the page to be served again, exactly as before; how long it took.
    func expectServingAgain() async throws -> Duration {
        let back = ContinuousClock.now
        var after = (status: 0, body: "")
        while ContinuousClock.now - back < .seconds(30) {
            after = try await server.get(page, headers: headers)
            if after.status == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let recovery = ContinuousClock.now - back
        #expect(after.status == 200, "not serving \(recovery) after PostgreSQL answered again: \(after.body)")
        #expect(withPlaceholderTraceId(after.body) == withPlaceholderTraceId(before.body))
        return recovery
    }
}

/// Runs `request`, and says how long it took.
private func timed<T>(_ request: () async throws -> T) async rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let result = try await request()
    return (result, ContinuousClock.now - start)
}

/// The body with its trace id (a UUID) replaced by "…", for exact comparison.
func withPlaceholderTraceId(_ body: String) -> String {
    body.replacingOccurrences(of: #""traceId":"[0-9a-f-]{36}""#, with: #""traceId":"…""#, options: .regularExpression)
}
