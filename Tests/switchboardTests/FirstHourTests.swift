import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import SwitchboardTestSupport
import Testing

/// Issue 19, a newcomer's first hour, through the real binary: `--version`; a server that cannot bind says why and
/// creates nothing; `--port 0` prints the port it bound; HEAD on GET routes; the client finds a local server through
/// what `serve` prints to export; database paths that cannot work are explained; `:memory:` serves and leaves nothing.
@Suite struct FirstHourTests {
    @Test func versionNamesTheReleaseAndTheCommit() async throws {
        let result = try await runCLI(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.range(
            of: #"^switchboard 1\.0\.0 \(commit ([0-9a-f]{12}(-modified)?|unknown)\)\n$"#, options: .regularExpression) != nil,
            "\(result.stdout)")
    }

    @Test func aPortInUseIsSaidAndTheFirstStartWaitsForAServerThatListens() async throws {
        let running = try ServerProcess(database: try temporaryDatabase())
        defer { running.stop() }
        try await running.waitUntilReady()
        let database = try temporaryDatabase()
        let refused = try await runCLI(["serve", "--port", String(running.port), "--database", database])
        #expect(refused.status == 64 || refused.status == 1)
        #expect(refused.stderr.contains("port \(running.port) is in use; pick another with --port"), "\(refused.stderr)")
        #expect(refused.stdout == "")
        // Nothing was created for the server that did not run: no file is left at the path, and the next start
        // on it is its first.
        for suffix in ["", "-wal", "-shm", ".key"] {
            #expect(!FileManager.default.fileExists(atPath: database + suffix), "\(database + suffix) was left")
        }
        let next = try ServerProcess(database: database)
        defer { next.stop() }
        try await next.waitUntilReady()
        #expect(next.output.first?.hasPrefix("location: ") == true)
        #expect(next.output.contains { $0.hasPrefix("token: pit-") })
    }

    @Test func portZeroPrintsThePortTheSystemChose() async throws {
        let lines = Mutex<[String]>([])
        let server = try ChildProcess(
            [try switchboardBinary().path, "serve", "--port", "0", "--database", try temporaryDatabase()], stdout: .pipe)
        defer { kill(server.processIdentifier, SIGTERM); Thread.detachNewThread { server.waitUntilExit() } }
        if let output = server.standardOutput { ChildProcess.readLines(output) { line in lines.withLock { $0.append(line) } } }
        var listening: String?
        for _ in 0..<200 where listening == nil {
            listening = lines.withLock { $0.last { $0.hasPrefix("listening on ") } }
            if listening == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let line = try #require(listening)
        let match = try #require(line.firstMatch(of: /^listening on http:\/\/127\.0\.0\.1:(\d+) \(API docs: http:\/\/127\.0\.0\.1:(\d+)\/docs\)$/))
        let port = try #require(Int(match.1))
        #expect(port > 0 && match.1 == match.2)
        let printed = lines.withLock { $0 }
        #expect(printed.contains { $0.hasPrefix("curl -s 'http://127.0.0.1:\(port)/conversations/search?locationId=") })
        #expect(printed.contains { $0.hasPrefix("export SWITCHBOARD_BASE_URL=http://127.0.0.1:\(port) SWITCHBOARD_TOKEN=pit-") })
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(10))
        #expect(response.status == .ok)
    }

    /// HEAD answers as GET does, with GET's Content-Length and no body; unknown paths and missing tokens as for GET.
    @Test func headAnswersLikeGetWithoutABody() async throws {
        let server = try ServerProcess(database: try temporaryDatabase(), arguments: ["--demo"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let token = try #require(server.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count)
        let conversation = try #require(server.lastConversation)
        let path = "/conversations/\(conversation)/messages?limit=5"
        func exchange(_ method: HTTPMethod, _ path: String, authorised: Bool = true) async throws
            -> (status: UInt, length: String?, body: ByteBuffer)
        {
            var request = HTTPClientRequest(url: server.baseURL + path)
            request.method = method
            request.headers.add(name: "Version", value: "2021-04-15")
            if authorised { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return (response.status.code, response.headers.first(name: "content-length"),
                    try await response.body.collect(upTo: 1 << 20))
        }
        let get = try await exchange(.GET, path)
        let head = try await exchange(.HEAD, path)
        #expect(get.status == 200 && head.status == 200)
        #expect(head.body.readableBytes == 0)
        #expect(head.length == String(get.body.readableBytes))
        #expect(try await exchange(.HEAD, "/healthz").status == 200)
        #expect(try await exchange(.HEAD, "/no/such/route").status == 404)
        #expect(try await exchange(.HEAD, path, authorised: false).status == 401)
        // A POST-only route has no HEAD.
        #expect(try await exchange(.HEAD, "/conversations/messages").status == 404)
    }

    /// The lines `serve` prints to export are all the client needs: no flag, and nothing sent to HighLevel.
    @Test func theClientFindsTheServerThroughWhatServePrintsToExport() async throws {
        let server = try ServerProcess(database: try temporaryDatabase(), arguments: ["--demo"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let export = try #require(server.output.first { $0.hasPrefix("export ") })
        var environment: [String: String] = ["HIGHLEVEL_BASE_URL": "", "HIGHLEVEL_TOKEN": ""]
        for pair in export.dropFirst("export ".count).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            environment[String(parts[0])] = String(parts[1])
        }
        #expect(Set(environment.keys).isSuperset(of: ["SWITCHBOARD_BASE_URL", "SWITCHBOARD_TOKEN", "SWITCHBOARD_LOCATION_ID"]))
        let conversation = try #require(server.lastConversation)
        let messages = try await runCLI(["messages", String(conversation), "--limit", "3"], environment: environment)
        #expect(messages.status == 0, "\(messages.stderr)")
        #expect(messages.stdout.split(separator: "\n").count >= 3)
        let search = try await runCLI(["conversations", "search", "--format", "ndjson"], environment: environment)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout.split(separator: "\n").count == 10)
    }

    @Test func databasePathsThatCannotWorkAreExplained() async throws {
        let folder = URL(fileURLWithPath: try temporaryDatabase()).deletingLastPathComponent().path
        let missing = folder + "/no/such/folder/switchboard.sqlite"
        let noFolder = try await runCLI(["serve", "--port", "0", "--database", missing])
        #expect(noFolder.status != 0)
        #expect(noFolder.stderr.contains(
            "cannot create the database \(missing): the folder \(folder)/no/such/folder does not exist. Create it"),
            "\(noFolder.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/no"))
        let asFolder = try await runCLI(["token", "list", "--database", folder])
        #expect(asFolder.status != 0)
        #expect(asFolder.stderr.contains(
            "\(folder) is a folder, not a database file: pass a file path, e.g. --database \(folder)/switchboard.sqlite"),
            "\(asFolder.stderr)")
        // A file this user cannot write (root can write anything, so there it simply opens).
        let locked = folder + "/locked.sqlite"
        #expect(FileManager.default.createFile(atPath: locked, contents: nil, attributes: [.posixPermissions: 0o400]))
        let readOnly = try await runCLI(["token", "list", "--database", locked])
        if getuid() == 0 {
            #expect(readOnly.status == 0, "\(readOnly.stderr)")
        } else {
            #expect(readOnly.status != 0)
            #expect(readOnly.stderr.contains("cannot open the database \(locked): this user cannot read and write it"))
        }
    }

    /// A command that only reads or changes a store refuses a path with no database, and leaves no file there; an
    /// import whose input cannot be read makes no database either.
    @Test func aMistypedDatabasePathIsRefusedAndNothingIsMadeThere() async throws {
        let folder = URL(fileURLWithPath: try temporaryDatabase()).deletingLastPathComponent().path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let typo = folder + "/typo.sqlite"
        for command in [["location", "list"], ["token", "list"], ["webhook", "list"], ["export-seed"]] {
            let refused = try await runCLI(command + ["--database", typo])
            #expect(refused.status == 1, "\(command)")
            #expect(refused.stderr == "Error: no database at \(typo): name one a server, `import` or `location create` made, with --database\n", "\(command)")
            #expect(refused.stdout == "", "\(command)")
        }
        let unreadable = try await runCLI(["import", folder + "/no-such-export.ndjson", "--database", typo])
        #expect(unreadable.status == 1)
        #expect(unreadable.stderr == "Error: cannot open \(folder)/no-such-export.ndjson\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        // The commands that start a store make it.
        let made = try await runCLI(["location", "create", "--id", "first-location", "--database", typo])
        #expect(made.status == 0)
        #expect(made.stdout == "first-location\n")
        #expect(try await runCLI(["location", "list", "--database", typo]).stdout.hasPrefix("first-location\t"))
    }

    /// A store that `import` filled has no token: `serve` says how to make one with a command that works as printed,
    /// `--database` included.
    @Test func theHintForATokenWorksAsPrinted() async throws {
        let database = try temporaryDatabase()
        defer { removeTemporaryDatabase(database) }
        let export = try await runCLI(["generate", "--messages", "20", "--conversations", "2", "--large", "0"])
        #expect(export.status == 0)
        #expect(try await runCLI(["import", "-", "--database", database], stdin: Data(export.stdout.utf8)).status == 0)
        let server = try ServerProcess(database: database)
        defer { server.stop() }
        try await server.waitUntilReady()
        // Said on standard error before the last line on standard output; the two pipes are read apart.
        let said = { server.logLines.first { $0.hasPrefix("No token can read this store yet: make one with `") } }
        for _ in 0..<100 where said() == nil { try await Task.sleep(for: .milliseconds(50)) }
        let hint = try #require(said())
        let command = try #require(hint.firstMatch(of: /`switchboard (token create --location \S+ --database (\S+))`\.$/))
        #expect(String(command.2) == database)
        let made = try await runCLI(command.1.split(separator: " ").map(String.init))
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.hasPrefix("pit-"))
    }

    /// `--database :memory:` serves a store kept in memory: it starts, serves, and leaves nothing behind.
    @Test func anInMemoryStoreServesAndLeavesNothing() async throws {
        let started = ContinuousClock.now
        let server = try ServerProcess(database: ":memory:", arguments: ["--demo"])
        try await server.waitUntilReady()
        print("in-memory serve --demo ready after \(ContinuousClock.now - started)")
        let token = try #require(server.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count)
        let conversation = try #require(server.lastConversation)
        let page = try await server.get(
            "/conversations/\(conversation)/messages?limit=1", headers: ["Authorization": "Bearer \(token)", "Version": "2021-04-15"])
        #expect(page.status == 200)
        let folders = { () -> [String] in
            ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? [])
                .filter { $0.hasPrefix("switchboard-memory-\(server.process.processIdentifier)-") }
        }
        #expect(folders().count == 1)
        await server.stopAndWait()
        #expect(folders() == [])
        // Not a file named ":memory:" in the working directory either.
        #expect(!FileManager.default.fileExists(atPath: ":memory:"))
    }

    /// `import` reads a JSON array of messages and the API's documents that hold them (an export page, a messages
    /// page as served) as it reads NDJSON; a bad item is reported by its number in the array.
    @Test func importReadsArraysAndTheAPIsDocumentsAsItReadsNDJSON() async throws {
        func message(_ id: String, _ conversation: String = "c1") -> String {
            #"{"id":"\#(id)","conversationId":"\#(conversation)","locationId":"L1","contactId":"p-\#(conversation)","messageType":"TYPE_SMS","direction":"inbound","body":"x [y] {z} \"q\" , \\","dateAdded":"2025-01-01T00:00:00.000Z"}"#
        }
        let database = try temporaryDatabase()
        func importing(_ text: String, _ extra: [String] = []) async throws -> CommandResult {
            try await runCLI(["import", "-", "--database", database] + extra, stdin: Data(text.utf8))
        }
        // A pretty-printed array: one item over several lines, as `jq .` writes it.
        let array = "\u{FEFF}[\n  " + [message("a1"), message("a2"), message("a3")].joined(separator: ",\n  ") + "\n]\n"
        let fromArray = try await importing(array.replacingOccurrences(of: #","body""#, with: ",\n    \"body\""))
        #expect(fromArray.status == 0, "\(fromArray.stderr)")
        #expect(fromArray.stderr.contains("imported 3 messages into 1 conversation"), "\(fromArray.stderr)")
        let export = #"{"messages":["# + [message("b1", "c2"), message("b2", "c2")].joined(separator: ",") + #"],"nextCursor":null,"total":2,"traceId":"t"}"#
        let fromExport = try await importing(export)
        #expect(fromExport.stderr.contains("imported 2 messages into 1 conversation"), "\(fromExport.stderr)")
        let page = #"{"messages":{"lastMessageId":"d2","nextPage":false,"messages":["# + [message("d1", "c3"), message("d2", "c3")].joined(separator: ",") + #"]},"traceId":"t"}"#
        let fromPage = try await importing(page)
        #expect(fromPage.stderr.contains("imported 2 messages into 1 conversation"), "\(fromPage.stderr)")
        // Bad items are counted as items; an empty array imports nothing and says so.
        let bad = try await importing("[" + message("e1", "c4") + #",{"id":"e2"},42,"# + message("e3", "c4") + "]")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("item 2: missing field conversationId"), "\(bad.stderr)")
        #expect(bad.stderr.contains("item 3: "), "\(bad.stderr)")
        #expect(bad.stderr.contains("imported 2 messages"))
        let empty = try await importing("[]")
        #expect(empty.status == 0)
        #expect(empty.stderr.contains("imported 0 messages"))
        let unclosed = try await importing("[" + message("f1", "c5") + ",")
        #expect(unclosed.stderr.contains("imported 1 message into"), "\(unclosed.stderr)")
    }

    /// On a terminal (a pseudo-terminal made by `script`), `import` draws a progress line from the first moment to
    /// the commit: the share of the file, the messages, their rate and the time left, then the finishing phase.
    /// Without a terminal (every other test here) it prints only its summary.
    @Test func importShowsItsProgressOnATerminal() async throws {
        let database = try temporaryDatabase()
        let file = database + ".ndjson"
        let generated = try await runCLI(["generate", "--messages", "3000", "--conversations", "30", "--large", "0"])
        try Data(generated.stdout.utf8).write(to: URL(fileURLWithPath: file))
        let command = [try switchboardBinary().path, "import", file, "--database", database, "--batch-size", "1000"]
            .map { "'" + $0 + "'" }.joined(separator: " ")
        let child = try ChildProcess(["/usr/bin/script", "-qfec", command, "/dev/null"], stdout: .pipe, stderr: .pipe)
        async let out = ChildProcess.readToEnd(child.standardOutput)
        async let err = ChildProcess.readToEnd(child.standardError)
        let screen = String(decoding: await out, as: UTF8.self) + String(decoding: await err, as: UTF8.self)
        #expect(await child.exitStatus() == 0, "\(screen)")
        // Each redraw returns to the start of the line and clears it.
        let drawn = screen.components(separatedBy: "\r\u{1B}[K").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(drawn.contains("importing   0% [--------------------] 0 messages, 0/s, ETA -:--"), "\(drawn)")
        #expect(drawn.contains { $0.hasPrefix("importing ") && $0.contains("% [") && $0.contains(" 1,000 messages, ") && $0.contains("/s, ETA ") }, "\(drawn)")
        #expect(drawn.contains { $0.hasPrefix("importing 100% [####################] building indexes and committing, 0:0") }, "\(drawn)")
        #expect(drawn.last?.hasPrefix("imported 3000 messages into 30 conversations") == true, "\(drawn)")
        #expect(drawn.allSatisfy { $0.count <= 80 || $0.hasPrefix("imported ") }, "\(drawn)")
    }

    /// A rate-limited `messages --all` says that it waits, and for how long, instead of pausing in silence.
    @Test func waitsForTheRateLimitAreSaid() async throws {
        let server = try ServerProcess(
            database: try temporaryDatabase(), arguments: ["--demo", "--rate-limit-burst", "1", "--rate-limit-window-ms", "2000"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let token = try #require(server.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count)
        let conversation = try #require(server.lastConversation)
        let result = try await runCLI([
            "messages", String(conversation), "--all", "--format", "ndjson", "--base-url", server.baseURL, "--token",
            String(token),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 150)
        #expect(result.stderr.range(of: #"rate limited by the server, waiting [12] s"#, options: .regularExpression) != nil,
                "\(result.stderr)")
    }

    /// Both doors write the same access-log fields (the hot path used to leave out the time taken and the request
    /// id), and `--log-format json` writes each line as one JSON object with them as fields.
    @Test func bothDoorsLogTheSameFieldsAndJSONLinesCarryThem() async throws {
        let (lines, path) = try await logLinesOfReads(["--log-format", "json"])
        let access = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { ($0["message"] as? String) == "GET \(path) 200" }
        #expect(access.count >= 3, "\(lines)")
        #expect(access.prefix(3).map { $0["request.id"] as? String } == ["first-look", "second-look", "third-look"])
        for line in access {
            #expect(line["level"] as? String == "info")
            #expect(line["route"] as? String == "/conversations/{conversationId}/messages")
            #expect((line["duration_ms"] as? Double).map { $0 >= 0 } == true, "\(line)")
            #expect(line["time"] as? String != nil)
        }
        // The first answer is the router's, which caches it; the hot path serves it from then on, except that the
        // token cache's entry, a second old, sends a read back to the router to check the token again: on a loaded
        // machine the third read came after that second (router, hot, router), so any later read may be either.
        #expect(access.first?["door"] as? String == "router")
        #expect(access.dropFirst().contains { $0["door"] as? String == "hot" }, "\(access.map { $0["door"] as? String })")
    }

    /// The default text format: one line per request, UTC time to the millisecond, then the level, the label, the
    /// message and the metadata sorted by key — written by the log's own thread, so the lines arrive whole.
    @Test func theDefaultTextLogHasOneWholeLinePerRequest() async throws {
        let (lines, path) = try await logLinesOfReads([])
        let access = lines.filter { $0.contains(" GET \(path) 200 ") }
        #expect(access.count >= 3, "\(lines)")
        // The first read is the router's (it fills the cache); the others may be either's (see the JSON test).
        let doors = ["router", "(router|hot)", "(router|hot)"]
        for (index, requestId) in ["first-look", "second-look", "third-look"].enumerated() where index < access.count {
            let pattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z info switchboard: GET "#
                + NSRegularExpression.escapedPattern(for: path)
                + #" 200 door=\#(doors[index]) duration_ms=[0-9.e-]+ request\.id=\#(requestId) "#
                + #"route=/conversations/\{conversationId\}/messages$"#
            #expect(access[index].range(of: pattern, options: .regularExpression) != nil, "\(access[index])")
        }
    }

    /// Starts `serve --demo` with `arguments`, reads a conversation's page three times (request ids `first-look`,
    /// `second-look`, `third-look`), then again (`look-4`, …, at most 20 reads) until the hot path has answered one,
    /// and returns the lines the server wrote to stderr. More reads than three are needed only when the machine is so
    /// slow that the token cache's one-second entry lapsed between reads.
    private func logLinesOfReads(_ arguments: [String]) async throws -> (lines: [String], path: String) {
        let lines = Mutex<[String]>([])
        let database = try temporaryDatabase()
        let server = try ChildProcess(
            [try switchboardBinary().path, "serve", "--demo", "--port", "0", "--database", database] + arguments,
            stdout: .pipe, stderr: .pipe)
        defer { kill(server.processIdentifier, SIGTERM); Thread.detachNewThread { server.waitUntilExit() } }
        let printed = Mutex<[String]>([])
        if let output = server.standardOutput { ChildProcess.readLines(output) { line in printed.withLock { $0.append(line) } } }
        if let errors = server.standardError { ChildProcess.readLines(errors) { line in lines.withLock { $0.append(line) } } }
        for _ in 0..<200 where !printed.withLock({ $0.last?.hasPrefix("listening on ") == true }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = printed.withLock { $0 }
        let listening = try #require(output.last { $0.hasPrefix("listening on ") })
        let port = try #require(listening.split(separator: " ")[2].split(separator: ":").last)
        let token = try #require(output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count)
        let conversation = try #require(output.last { $0.hasPrefix("conversation: ") }?.split(separator: " ").dropFirst().first)
        let path = "/conversations/\(conversation)/messages"
        let accessLines = { lines.withLock { $0.filter { $0.contains("GET \(path) 200") } } }
        let answeredHot = { accessLines().contains { $0.contains("door=hot") || $0.contains(#""door":"hot""#) } }
        let requestIds = ["first-look", "second-look", "third-look"] + (4...20).map { "look-\($0)" }
        for (index, requestId) in requestIds.enumerated() {
            if index >= 3 {
                // The access log is written by its own thread: wait for the earlier reads' lines first.
                for _ in 0..<50 where accessLines().count < index { try await Task.sleep(for: .milliseconds(20)) }
                if answeredHot() { break }
            }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)?limit=3")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Version", value: "2021-04-15")
            request.headers.add(name: "X-Request-Id", value: requestId)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status == .ok)
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        for _ in 0..<50 where accessLines().count < 3 {
            try await Task.sleep(for: .milliseconds(100))
        }
        return (lines.withLock { $0 }, path)
    }
}
