import Foundation
import SwitchboardTestSupport
import Testing

/// The real `switchboard` binary: output contracts of PRODUCT.md "Interfaces that are fixed".
@Suite(.serialized) struct CLITests {
    @Test(arguments: Backend.allCases)
    func locationCreatePrintsOnlyTheId(_ backend: Backend) async throws {
        let database = try await serverDatabase(backend)
        let created = try await runCLI(["location", "create", "--database", database])
        #expect(created.status == 0)
        #expect(created.stdout.range(of: #"^[0-9A-Za-z]{20}\n$"#, options: .regularExpression) != nil)
        let chosen = try await runCLI(["location", "create", "--id", "MyLocation01", "--name", "Acme", "--database", database])
        #expect(chosen.status == 0)
        #expect(chosen.stdout == "MyLocation01\n")
        let again = try await runCLI(["location", "create", "--id", "MyLocation01", "--database", database])
        #expect(again.status != 0)
        #expect(again.stdout.isEmpty)
        #expect(again.stderr.contains("location MyLocation01 already exists"))
        let bad = try await runCLI(["location", "create", "--id", "no spaces", "--database", database])
        #expect(bad.status != 0)
        #expect(bad.stdout.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func tokenCommandsCreateListAndRevoke(_ backend: Backend) async throws {
        let database = try await serverDatabase(backend)
        let location = try await runCLI(["location", "create", "--id", "Loc1", "--database", database])
        #expect(location.status == 0)
        let all = try await runCLI(["token", "create", "--location", "Loc1", "--database", database])
        #expect(all.status == 0)
        #expect(all.stdout.range(of: #"^pit-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$"#,
                                 options: .regularExpression) != nil)
        let scoped = try await runCLI([
            "token", "create", "--location", "Loc1", "--scope", "conversations/message.readonly", "--name", "reader",
            "--database", database,
        ])
        #expect(scoped.status == 0)
        let unknownScope = try await runCLI(["token", "create", "--location", "Loc1", "--scope", "everything", "--database", database])
        #expect(unknownScope.status != 0)
        #expect(unknownScope.stderr.contains("The value 'everything' is invalid for '--scope <scope>'"))
        #expect(unknownScope.stderr.contains("conversations/message.readonly"))
        let unknownLocation = try await runCLI(["token", "create", "--location", "Nope", "--database", database])
        #expect(unknownLocation.status != 0)
        #expect(unknownLocation.stdout.isEmpty)
        #expect(unknownLocation.stderr.contains("no location Nope"))

        let list = try await runCLI(["token", "list", "--database", database])
        #expect(list.status == 0)
        let rows = list.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.count == 5 && $0[1] == "Loc1" && $0[2] == "active" })
        #expect(rows[1][3] == "reader")
        #expect(rows[1][4] == "conversations/message.readonly")
        #expect(!list.stdout.contains("pit-"))

        let token = all.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let revoked = try await runCLI(["token", "revoke", token, "--database", database])
        #expect(revoked.status == 0)
        let byId = try await runCLI(["token", "revoke", rows[1][0], "--database", database])
        #expect(byId.status == 0)
        let twice = try await runCLI(["token", "revoke", token, "--database", database])
        #expect(twice.status != 0)
        let after = try await runCLI(["token", "list", "--database", database])
        #expect(after.stdout.split(separator: "\n").allSatisfy { $0.contains("\trevoked\t") })
    }

    @Test(arguments: Backend.allCases)
    func serveDemoPrintsWhatItCreatedAndThePastedCurlWorks(_ backend: Backend) async throws {
        let server = try ServerProcess(database: try await serverDatabase(backend), arguments: ["--demo", "--seed", "7"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let lines = server.output
        #expect(lines.count >= 15)
        #expect(lines[0].range(of: #"^location: [0-9A-Za-z]{20}$"#, options: .regularExpression) != nil)
        #expect(lines[1].range(of: #"^token: pit-[0-9a-f-]{36}$"#, options: .regularExpression) != nil)
        let (location, token) = (lines[0].dropFirst("location: ".count), lines[1].dropFirst("token: ".count))
        #expect(lines[2] == "export SWITCHBOARD_BASE_URL=\(server.baseURL) SWITCHBOARD_TOKEN=\(token) SWITCHBOARD_LOCATION_ID=\(location)")
        #expect(lines[3].hasPrefix("curl -s 'http://127.0.0.1:\(server.port)/conversations/"))
        #expect(lines.last == "listening on \(server.baseURL) (API docs: \(server.baseURL)/docs)")
        // --demo turns the control API on: its admin token comes just before the last line.
        #expect(lines[lines.count - 2].range(of: #"^admin token: sbadmin_[0-9a-f]{32}$"#, options: .regularExpression) != nil)
        // The web inbox, opened on the new location.
        #expect(lines[lines.count - 3] == "inbox: \(server.baseURL)/ui/#location=\(location)")
        let conversations = lines.dropFirst(4).dropLast(3)
        #expect(conversations.allSatisfy { $0.hasPrefix("conversation: ") })
        for channel in ["SMS", "Email", "Calls and voicemail", "Facebook", "Instagram", "WhatsApp",
                        "Google Business Messages", "Live chat", "Internal comments and activity"] {
            #expect(conversations.contains { $0.contains(" \(channel) (") }, "no \(channel) conversation")
        }
        #expect(conversations.contains { $0.hasSuffix("(150 messages)") })

        // The curl line works when pasted into a shell.
        let shell = try ChildProcess(["/bin/sh", "-c", lines[3]], stdout: .pipe)
        let data = await ChildProcess.readToEnd(shell.standardOutput)
        #expect(await shell.exitStatus() == 0)
        let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let page = try #require(body["messages"] as? [String: Any])
        #expect((page["messages"] as? [Any])?.count == 20)
        #expect(page["nextPage"] as? Bool == true)
    }

    @Test(arguments: Backend.allCases)
    func demoDataIsTheSameForTheSameSeed(_ backend: Backend) async throws {
        func conversationLines(seed: String) async throws -> [String] {
            let server = try ServerProcess(database: try await serverDatabase(backend), arguments: ["--demo", "--seed", seed])
            defer { server.stop() }
            try await server.waitUntilReady()
            return server.output.filter { $0.hasPrefix("conversation: ") }
        }
        let first = try await conversationLines(seed: "11")
        let second = try await conversationLines(seed: "11")
        let other = try await conversationLines(seed: "12")
        #expect(first.count == 10)
        #expect(first == second)
        #expect(first != other)
    }

    @Test(arguments: Backend.allCases)
    func secondStartPrintsNothingAndKeepsTheData(_ backend: Backend) async throws {
        let database = try await serverDatabase(backend)
        let first = try ServerProcess(database: database, arguments: ["--demo"])
        try await first.waitUntilReady()
        let token = try #require(first.output.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count)
        let conversation = try #require(first.lastConversation)
        await first.stopAndWait()
        let second = try ServerProcess(database: database, arguments: ["--demo"])
        defer { second.stop() }
        try await second.waitUntilReady()
        #expect(second.output.count == 3)
        #expect(second.output.first?.hasPrefix("inbox: \(second.baseURL)/ui/#location=") == true)
        #expect(second.output[1].hasPrefix("admin token: sbadmin_") == true)  // --demo turns the control API on
        #expect(second.output.last == "listening on \(second.baseURL) (API docs: \(second.baseURL)/docs)")
        let response = try await second.get(
            "/conversations/\(conversation)/messages?limit=1",
            headers: ["Authorization": "Bearer \(token)", "Version": "2021-04-15"])
        #expect(response.status == 200)
    }

    /// Tokens made or revoked by the CLI while the server runs on the same file take effect within 2 seconds.
    @Test(arguments: Backend.allCases)
    func tokensChangedByTheCLIReachARunningServer(_ backend: Backend) async throws {
        let database = try await serverDatabase(backend)
        let server = try ServerProcess(database: database, arguments: ["--demo"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let location = try #require(server.output.first { $0.hasPrefix("location: ") }).dropFirst("location: ".count)
        let conversation = try #require(server.lastConversation)
        let path = "/conversations/\(conversation)/messages?limit=1"
        let created = try await runCLI(["token", "create", "--location", String(location), "--database", database])
        #expect(created.status == 0)
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let headers = ["Authorization": "Bearer \(token)", "Version": "2021-04-15"]
        #expect(try await server.get(path, headers: headers).status == 200)
        let revoked = try await runCLI(["token", "revoke", token, "--database", database])
        #expect(revoked.status == 0)
        let start = ContinuousClock.now
        var status = 200
        while status == 200 && ContinuousClock.now - start < .seconds(2) {
            try await Task.sleep(for: .milliseconds(100))
            status = try await server.get(path, headers: headers).status
        }
        #expect(status == 401)
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}
