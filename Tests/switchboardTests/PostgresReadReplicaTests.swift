import Foundation
import NIOHTTP1
import SwitchboardTestSupport
import Testing

/// Issue 21, read replicas: `serve --read-database` sends page and message reads to a real streaming replica of the
/// shared test cluster (`pg_basebackup -R`), never one that has not replayed a change the instance acknowledged or
/// heard of; a replica that is paused, stopped or not a replica at all leaves the reads to the primary, and is used
/// again once it replays. The instances run with `--cache-size 0`, so every read reaches a database.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PostgresReadReplicaTests {
    static let replicaReads = #"switchboard_replica_reads_total{answered_by="replica"}"#
    static let primaryReads = #"switchboard_replica_reads_total{answered_by="primary"}"#

    /// A fresh schema, a standby of the shared cluster that already holds it, and the replica's URL with the
    /// schema's parameters; the standby is deleted after `body`.
    static func withStandby(
        _ body: (_ schema: String, _ url: String, _ replicaURL: String, _ standby: PostgresTestCluster) async throws -> Void
    ) async throws {
        let (schema, url) = try await PostgresForTests.schema()
        let standby = try await PostgresTestCluster.standbyOfSharedCluster()
        let parameters = url.split(separator: "?", maxSplits: 1).dropFirst().first.map { "?" + $0 } ?? ""
        do {
            try await body(schema, url, standby.url + parameters, standby)
        } catch {
            try? await standby.delete()
            throw error
        }
        try await standby.delete()
    }

    static func standbySQL(_ standby: PostgresTestCluster, _ statement: String) async throws -> String {
        try await PostgresForTests.run(PostgresForTests.psql(), ["-q", "-At", "-d", standby.url, "-c", statement])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The bodies of the conversation's page, newest first, as `server` answers it.
    static func bodies(_ server: ServerProcess, _ conversation: String, _ headers: [String: String]) async throws -> [String] {
        let response = try await server.get("/conversations/\(conversation)/messages?limit=10", headers: headers)
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let messages = (object["messages"] as? [String: Any])?["messages"] as? [[String: Any]]
        else { throw TestFailure("page answered \(response.status): \(response.body)") }
        return messages.compactMap { $0["body"] as? String }
    }

    static func send(_ server: ServerProcess, _ contact: String, _ body: String, _ headers: [String: String]) async throws
        -> (conversation: String, message: String)
    {
        let sent = try await server.send(
            .POST, "/conversations/messages", headers: headers,
            json: #"{"type":"SMS","contactId":"\#(contact)","message":"\#(body)"}"#)
        #expect(sent.status == 201, "\(sent.body)")
        return (
            try #require(jsonField(sent.body, "conversationId")), try #require(jsonField(sent.body, "messageId"))
        )
    }

    /// Reads the page until the replica has answered one read more than `before` (at most `seconds`); every read must
    /// show `newest` first. Returns how many reads it took.
    @discardableResult
    static func readUntilTheReplicaAnswers(
        _ server: ServerProcess, _ conversation: String, _ headers: [String: String], newest: String, seconds: Int = 10
    ) async throws -> Int {
        let before = try await server.metric(replicaReads) ?? 0
        var reads = 0
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            reads += 1
            #expect(try await bodies(server, conversation, headers).first == newest)
            if try await server.metric(replicaReads) ?? 0 > before { return reads }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the replica answered no read within \(seconds) s")
        return reads
    }

    @Test func readsGoToTheReplicaOnlyOnceItHasReplayedWhatTheyDependOn() async throws {
        try await Self.withStandby { schema, url, replicaURL, standby in
            let writer = try ServerProcess(database: url, arguments: ["--rate-limit", "off"])
            defer { writer.stop() }
            try await writer.waitUntilReady()
            let reader = try ServerProcess(
                database: url, arguments: ["--rate-limit", "off", "--cache-size", "0", "--read-database", replicaURL])
            defer { reader.stop() }
            try await reader.waitUntilReady()
            let headers = ["Authorization": "Bearer \(writer.token)", "Version": "2021-04-15"]
            let contact = try await ToolkitCLITests.makeContact(writer, location: writer.location, headers: headers)
            let (conversation, _) = try await Self.send(writer, contact, "one", headers)
            try await Self.readUntilTheReplicaAnswers(reader, conversation, headers, newest: "one")

            // The replica stops replaying: from now on only the primary has the changes.
            #expect(try await Self.standbySQL(standby, "SELECT pg_wal_replay_pause()") == "")
            for _ in 0..<50 where try await Self.standbySQL(standby, "SELECT pg_get_wal_replay_pause_state()") != "paused" {
                try await Task.sleep(for: .milliseconds(20))
            }
            let replicaBefore = try await reader.metric(Self.replicaReads) ?? 0
            let primaryBefore = try await reader.metric(Self.primaryReads) ?? 0

            // Read-your-writes: the instance's own write is read back at once.
            _ = try await Self.send(reader, contact, "two", headers)
            #expect(try await Self.bodies(reader, conversation, headers).first == "two")

            // Another instance's write is seen once the change feed reports it: milliseconds on loopback (the bound
            // is measured alone by PostgresCacheCoherenceTests); here, beside other suites, within the feed's own
            // silence limit (1 s) and some margin.
            let (_, third) = try await Self.send(writer, contact, "three", headers)
            let started = ContinuousClock.now
            var newest = try await Self.bodies(reader, conversation, headers).first
            while newest != "three", ContinuousClock.now - started < .seconds(3) {
                try await Task.sleep(for: .milliseconds(5))
                newest = try await Self.bodies(reader, conversation, headers).first
            }
            #expect(newest == "three")
            #expect(ContinuousClock.now - started < .seconds(2))

            // A change made in psql (triggers on) is heard the same way; the message is looked up by its id too.
            try await PostgresForTests.sql("UPDATE messages SET body = 'three, edited' WHERE id = '\(third)'", in: schema)
            for _ in 0..<100 where try await Self.bodies(reader, conversation, headers).first != "three, edited" {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await Self.bodies(reader, conversation, headers) == ["three, edited", "two", "one"])
            let lookedUp = try await reader.get("/conversations/messages/\(third)", headers: headers)
            #expect(lookedUp.status == 200)
            #expect(lookedUp.body.contains(#""body":"three, edited""#), "\(lookedUp.body)")

            // While the replica is behind, it answered none of these reads.
            #expect(try await reader.metric(Self.replicaReads) ?? 0 == replicaBefore)
            #expect(try await reader.metric(Self.primaryReads) ?? 0 >= primaryBefore + 4)

            // Replaying again, it answers again, with everything.
            #expect(try await Self.standbySQL(standby, "SELECT pg_wal_replay_resume()") == "")
            try await Self.readUntilTheReplicaAnswers(reader, conversation, headers, newest: "three, edited")
            #expect(try await Self.bodies(reader, conversation, headers) == ["three, edited", "two", "one"])
        }
    }

    @Test func aReplicaThatGoesAwayLeavesEveryReadToThePrimaryUntilItIsBack() async throws {
        try await Self.withStandby { _, url, replicaURL, standby in
            let server = try ServerProcess(
                database: url, arguments: ["--rate-limit", "off", "--cache-size", "0", "--read-database", replicaURL])
            defer { server.stop() }
            try await server.waitUntilReady()
            let headers = ["Authorization": "Bearer \(server.token)", "Version": "2021-04-15"]
            let contact = try await ToolkitCLITests.makeContact(server, location: server.location, headers: headers)
            let (conversation, _) = try await Self.send(server, contact, "before", headers)
            try await Self.readUntilTheReplicaAnswers(server, conversation, headers, newest: "before")

            try await standby.stopServer()
            let replicaBefore = try await server.metric(Self.replicaReads) ?? 0
            for _ in 0..<10 { #expect(try await Self.bodies(server, conversation, headers) == ["before"]) }
            let (_, during) = try await Self.send(server, contact, "during", headers)
            #expect(try await Self.bodies(server, conversation, headers) == ["during", "before"])
            #expect(try await server.get("/conversations/messages/\(during)", headers: headers).status == 200)
            #expect(try await server.metric(Self.replicaReads) ?? 0 == replicaBefore)

            try await standby.startServer()
            try await Self.readUntilTheReplicaAnswers(server, conversation, headers, newest: "during", seconds: 20)
        }
    }

    @Test func aReadDatabaseThatIsNotAReplicaIsRefused() async throws {
        let url = try await PostgresForTests.schemaURL()
        let primary = try await runCLI(["serve", "--port", "0", "--database", url, "--read-database", url])
        #expect(primary.status == 1, "\(primary.stderr)")
        #expect(primary.stderr.contains("is not a streaming replica (pg_is_in_recovery() is false)"), "\(primary.stderr)")

        let sqlite = try await runCLI([
            "serve", "--port", "0", "--database", try temporaryDatabase(), "--read-database", "postgres://x@127.0.0.1:1/db",
        ])
        #expect(sqlite.status == 64)
        #expect(sqlite.stderr.contains("--read-database needs a PostgreSQL --database (a replica of it)"), "\(sqlite.stderr)")
    }
}
