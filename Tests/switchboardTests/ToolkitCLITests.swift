import Crypto
import Foundation
import Synchronization
import SwitchboardCore
import SwitchboardTestSupport
import Testing

/// The testing toolkit through the real binary (issue 18): `serve --test-clock` on an in-memory store prints its
/// admin token on a line of its own, and the control API answers it over a real socket.
@Suite struct ToolkitCLITests {
    static func adminToken(_ server: ServerProcess) throws -> String {
        let line = try #require(server.output.first { $0.hasPrefix("admin token: ") })
        return String(line.dropFirst("admin token: ".count))
    }

    @Test func serveTestClockPrintsAnAdminTokenAndTheControlAPIAnswersIt() async throws {
        let server = try ServerProcess(database: ":memory:", arguments: ["--test-clock"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let admin = try Self.adminToken(server)
        #expect(admin.hasPrefix("sbadmin_") && admin.count == 40)
        // Before the `listening on` line that scripts wait for.
        #expect(server.output.firstIndex { $0.hasPrefix("admin token: ") }! < server.output.count - 1)
        let headers = ["Authorization": "Bearer \(admin)"]

        let made = try await server.send(.POST, "/_switchboard/locations", headers: headers, json: #"{"locationId":"cli-tenant"}"#)
        #expect(made.status == 201)
        let token = try #require(
            (try JSONSerialization.jsonObject(with: Data(made.body.utf8)) as? [String: Any])?["token"] as? String)
        let api = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
        #expect(try await server.get("/conversations/search?locationId=cli-tenant", headers: api).status == 200)

        let moved = try await server.send(.POST, "/_switchboard/clock", headers: headers, json: #"{"set":"2030-01-01T00:00:00Z"}"#)
        #expect(moved.status == 200)
        #expect(moved.body.hasPrefix(#"{"now":"2030-01-01T00:00:0"#))
        let journal = try await server.get("/_switchboard/requests", headers: headers)
        #expect(journal.body.contains(#""path":"/conversations/search?locationId=cli-tenant","status":200,"locationId":"cli-tenant""#))
        let reset = try await server.send(.POST, "/_switchboard/reset?all=true", headers: headers)
        #expect(reset.status == 200)
        #expect(try await server.get("/conversations/search?locationId=cli-tenant", headers: api).status == 401)
        // A location token never opens the control API.
        #expect(try await server.send(.POST, "/_switchboard/reset", headers: ["Authorization": "Bearer \(token)"]).status == 401)
    }

    @Test func theAdminTokenCanBeFixedAndIsOffWithoutTheFlags() async throws {
        let fixed = "fixed-admin-token-0123456789"
        let server = try ServerProcess(
            database: ":memory:", arguments: ["--control"], environment: ["SWITCHBOARD_ADMIN_TOKEN": fixed])
        defer { server.stop() }
        try await server.waitUntilReady()
        #expect(try Self.adminToken(server) == fixed)
        let clock = try await server.get("/_switchboard/clock", headers: ["Authorization": "Bearer \(fixed)"])
        #expect(clock.status == 200)
        #expect(clock.body.contains(#""testClock":false"#))

        let plain = try ServerProcess(database: ":memory:")
        defer { plain.stop() }
        try await plain.waitUntilReady()
        #expect(!plain.output.contains { $0.hasPrefix("admin token: ") })
        #expect(try await plain.get("/_switchboard/clock", headers: ["Authorization": "Bearer \(fixed)"]).status == 404)

        let refused = try await runCLI(
            ["serve", "--control", "--database", ":memory:", "--port", "0"], environment: ["SWITCHBOARD_ADMIN_TOKEN": "short"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("SWITCHBOARD_ADMIN_TOKEN must be at least 16 printable ASCII characters, no spaces"))
    }

    /// `listen --forward-to` hands a local handler each event exactly as a webhook delivery: the body and an Ed25519
    /// signature that verifies with the key `webhook keys` prints; it prints the handler's status.
    @Test func listenForwardsSignedEventsToALocalHandler() async throws {
        let database = try temporaryDatabase()
        let server = try ServerProcess(database: database, arguments: ["--control"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let token = String(try #require(server.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count))
        let location = String(try #require(server.output.first { $0.hasPrefix("location: ") }).dropFirst("location: ".count))
        let keys = try await runCLI(["webhook", "keys", "--database", database])
        let pem = try #require(keys.stdout.components(separatedBy: "-----END PUBLIC KEY-----").first)
            .components(separatedBy: "-----BEGIN PUBLIC KEY-----").last.map { "-----BEGIN PUBLIC KEY-----\($0)-----END PUBLIC KEY-----" }
        let publicKey = try Curve25519.Signing.PublicKey(pemRepresentation: try #require(pem))

        let receiver = WebhookReceiver { _, index in .init(index == 0 ? .ok : .internalServerError) }
        try await receiver.run { port in
            let (listen, lines) = try await Self.startListening(
                ["--base-url", server.baseURL, "--token", token, "--forward-to", "http://127.0.0.1:\(port)/hooks",
                 "--event", "OutboundMessage"],
                until: "listening for OutboundMessage (Ctrl-C stops)")
            defer { kill(listen.processIdentifier, SIGTERM) }
            let api = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
            let contactId = try await Self.makeContact(server, location: location, headers: api)
            for text in ["first", "second"] {
                let sent = try await server.send(
                    .POST, "/conversations/messages", headers: api,
                    json: #"{"type":"SMS","contactId":"\#(contactId)","message":"\#(text)"}"#)
                #expect(sent.status == 201)
            }
            let deliveries = try await receiver.waitFor(2, to: "/hooks")
            #expect(deliveries.map { $0.json?["body"] as? String } == ["first", "second"])
            for delivery in deliveries {
                #expect(delivery.json?["type"] as? String == "OutboundMessage")
                let signature = try #require(delivery.headers[.init("x-ghl-signature")!].flatMap { Data(base64Encoded: $0) })
                #expect(publicKey.isValidSignature(signature, for: delivery.body))
                #expect(delivery.headers[.init("x-wh-signature")!] != nil)
            }
            try await Self.waitFor { lines.all.filter { $0.hasPrefix("OutboundMessage ") }.count == 2 }
            let printed = lines.all.filter { $0.hasPrefix("OutboundMessage ") }
            #expect(printed.map { $0.components(separatedBy: " -> ").last } == ["200", "500"])
            #expect(printed.map { $0.split(separator: " ")[1] } == deliveries.map { Substring($0.webhookId ?? "") })
        }
    }

    /// `trigger` makes each common event happen through the API; `listen` (printing) shows each as its webhook body.
    @Test func triggerMakesTheEventsListenPrints() async throws {
        let server = try ServerProcess(database: try temporaryDatabase(), arguments: ["--control"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let token = String(try #require(server.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count))
        let location = String(try #require(server.output.first { $0.hasPrefix("location: ") }).dropFirst("location: ".count))
        let client = ["--base-url", server.baseURL, "--token", token]
        let (listen, lines) = try await Self.startListening(client, until: "listening for every event (Ctrl-C stops)")
        defer { kill(listen.processIdentifier, SIGTERM) }
        let api = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
        let contactId = try await Self.makeContact(server, location: location, headers: api)
        let target = ["--contact", contactId, "--location", location]
        var conversations: Set<String> = []
        for arguments in [["inbound-sms"] + target + ["Hello"], ["inbound-email"] + target + ["--subject", "Hi", "<p>Hi</p>"],
                          ["call"] + target + ["--status", "voicemail"]] {
            let result = try await runCLI(["trigger"] + arguments + client)
            #expect(result.status == 0, "\(result.stderr)")
            let parts = result.stdout.split(separator: " ")
            #expect(parts.count == 4 && parts[0] == "message:" && parts[2] == "conversation:", "\(result.stdout)")
            if parts.count == 4 { conversations.insert(String(parts[3]).trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        #expect(conversations.count == 1)  // one conversation per contact, made by the first trigger
        let typing = try await runCLI(["trigger", "typing"] + target + ["--visitor", "visitor-9"] + client)
        #expect(typing.status == 0, "\(typing.stderr)")
        #expect(typing.stdout == "conversation: \(conversations.first ?? "?") typing: true\n")
        let sent = try await runCLI(["send", "--contact", contactId, "--type", "SMS", "--message", "Out", "--format", "json"] + client)
        let messageId = try #require(
            (try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])?["messageId"] as? String)
        let status = try await runCLI(["trigger", "provider-status", "--message", messageId, "delivered"] + client)
        #expect(status.stdout.hasPrefix("message: \(messageId) conversation: ") && status.stdout.hasSuffix(" status: delivered\n"))
        let refused = try await runCLI(["trigger", "call"] + target + ["--status", "ringing"] + client)
        #expect(refused.status != 0 && refused.stderr.contains("--status must be one of pending, completed"))

        try await Self.waitFor { lines.all.filter { $0.hasPrefix("{") }.count == 6 }
        var events = lines.all.filter { $0.hasPrefix("{") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(events.map { $0["type"] as? String }
            == ["InboundMessage", "InboundMessage", "InboundMessage", "LiveChatTyping", "OutboundMessage", "OutboundMessage"])
        let typed = events.remove(at: 3)
        #expect(typed["conversationId"] as? String == conversations.first)
        #expect(typed["visitorId"] as? String == "visitor-9")
        #expect(typed["isTyping"] as? Bool == true)
        #expect(events.map { $0["messageType"] as? String } == ["SMS", "Email", "CALL", "SMS", "SMS"])
        #expect(events[0]["body"] as? String == "Hello")
        #expect(events[1]["body"] as? String == "<p>Hi</p>")  // (subjects are not stored yet: issue 17)
        #expect(events[2]["callStatus"] as? String == "voicemail")
        #expect(events.suffix(2).map { $0["status"] as? String } == ["delivered", "delivered"])
        #expect(events[4]["messageId"] as? String == messageId)
    }

    /// Nothing listens at the address: `listen` says where it went and why, on one line, and exits 1.
    @Test func listenToNoServerSaysWhereItWent() async throws {
        let base = "http://127.0.0.1:\(try freePort())"
        let refused = try await runCLI(["listen", "--base-url", base, "--token", "pit-unused"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: GET \(base)/_switchboard/events failed: Connection refused (errno 111)\n")
        #expect(refused.stdout == "")
    }

    /// `switchboard listen` with these arguments, its stdout and stderr lines collected, once it says it listens.
    static func startListening(_ arguments: [String], until ready: String) async throws -> (ChildProcess, Lines) {
        let listen = try ChildProcess([try switchboardBinary().path, "listen"] + arguments, stdout: .pipe, stderr: .pipe)
        let lines = Lines()
        for fd in [listen.standardOutput, listen.standardError].compactMap({ $0 }) {
            ChildProcess.readLines(fd) { line in lines.append(line) }
        }
        try await waitFor { lines.all.contains(ready) }
        return (listen, lines)
    }

    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// A contact of the location, made through the API; its id.
    static func makeContact(_ server: ServerProcess, location: String, headers: [String: String]) async throws -> String {
        let contact = try await server.send(
            .POST, "/contacts/", headers: headers, json: #"{"locationId":"\#(location)","phone":"+15550100"}"#)
        return try #require(
            ((try JSONSerialization.jsonObject(with: Data(contact.body.utf8)) as? [String: Any])?["contact"]
                as? [String: Any])?["id"] as? String)
    }

    static func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(100)) }
        #expect(condition())
    }

    /// Without a clock move: the server looks every second, so a send scheduled a few seconds ahead is delivered
    /// within about a second of its time, dated its scheduled time.
    @Test func aScheduledSendGoesOutOnItsOwnWhenItsTimeComes() async throws {
        let server = try ServerProcess(database: ":memory:", arguments: ["--rate-limit", "off"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let token = String(try #require(server.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count))
        let location = String(try #require(server.output.first { $0.hasPrefix("location: ") }).dropFirst("location: ".count))
        let api = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
        let contact = try await server.send(.POST, "/contacts/", headers: api, json: #"{"locationId":"\#(location)","phone":"+15550100"}"#)
        let contactId = try #require(
            ((try JSONSerialization.jsonObject(with: Data(contact.body.utf8)) as? [String: Any])?["contact"] as? [String: Any])?["id"] as? String)
        // Three seconds ahead (two or more once truncated): the read below comes first even on a loaded machine.
        let due = Int(Date().timeIntervalSince1970) + 3
        let sent = try await server.send(
            .POST, "/conversations/messages", headers: api,
            json: #"{"type":"SMS","contactId":"\#(contactId)","message":"soon","scheduledTimestamp":\#(due)}"#)
        #expect(sent.status == 201)
        let messageId = try #require((try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])?["messageId"] as? String)
        func message() async throws -> [String: Any] {
            let body = try await server.get("/conversations/messages/\(messageId)", headers: api).body
            return try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["message"] as? [String: Any])
        }
        #expect(try await message()["status"] as? String == "scheduled")
        let deadline = ContinuousClock.now + .seconds(10)
        while try await message()["status"] as? String == "scheduled", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        let delivered = try await message()
        #expect(delivered["status"] as? String == "delivered")
        #expect(delivered["dateUpdated"] as? String == Timestamp(rawValue: Int64(due) * 1000).iso8601)
        #expect(Date().timeIntervalSince1970 < Double(due) + 3.5, "sent more than 3.5 s after its time")
    }
}
