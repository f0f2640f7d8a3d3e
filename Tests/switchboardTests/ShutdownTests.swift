import Foundation
import SwitchboardTestSupport
import Testing

@Suite(.serialized) struct ShutdownTests {
    /// SIGTERM while a request is in flight: the request completes with 200 and the process exits 0 (issue 6).
    @Test(arguments: Backend.allCases)
    func sigtermLetsTheSlowRequestFinishAndExitsZero(_ backend: Backend) async throws {
        let server = try ServerProcess(
            database: try await serverDatabase(backend), arguments: ["--demo", "--inject-latency", "1500", "--log-level", "error"])
        try await server.waitUntilReady()
        let conversation = try #require(server.lastConversation)
        let token = server.token
        let slow = Task {
            try await server.get(
                "/conversations/\(conversation)/messages?limit=1",
                headers: ["Authorization": "Bearer \(token)", "Version": "2021-04-15"])
        }
        try await Task.sleep(for: .milliseconds(400))
        kill(server.process.processIdentifier, SIGTERM)
        let response = try await slow.value
        #expect(response.status == 200)
        await server.process.exitStatus()
        #expect(server.process.exitedNormally == true)
        #expect(server.process.terminationStatus == 0)
    }

    @Test func badServeFlagsAreRefusedWithOneClearLine() async throws {
        for (flags, message) in [
            (["--inject-429", "1.5"], "--inject-429 must be a probability from 0 to 1"),
            (["--inject-latency", "fast"], "--inject-latency must be MS or MS-MS"),
            (["--rate-limit", "sometimes"], "sometimes"),
            (["--log-level", "loud"], "The value 'loud' is invalid for '--log-level <log-level>'"),
        ] {
            let result = try await runCLI(["serve", "--database", try temporaryDatabase()] + flags)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(flags): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
