import Foundation
import SwitchboardTestSupport
import Testing

/// Issue 19: the README's curl session runs exactly as written, taken from the README's own text, against a `--demo`
/// server whose `export …` line set its variables; each answer holds what the comment under its command shows, in
/// order ("…" for what varies).
@Suite struct ReadmeSessionTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The first ```sh block after the "## A curl session" heading.
    static func session() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.range(of: "## A curl session\n"))
        let rest = text[section.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```\n"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    /// What each comment block promises: its lines joined (a line that goes on starts with one more space), cut at
    /// every "…" into the parts the answer holds in that order, the first at its start.
    static func promisedParts(_ session: String) -> [[String]] {
        var promises: [String] = []
        var previousWasComment = false
        for line in session.split(separator: "\n", omittingEmptySubsequences: false) {
            let isAnswer = line.hasPrefix("#   ")
            if isAnswer, previousWasComment, line.hasPrefix("#    ") {
                promises[promises.count - 1] += line.dropFirst(5)
            } else if isAnswer {
                promises.append(String(line.dropFirst(4)))
            }
            previousWasComment = isAnswer
        }
        return promises.map { $0.components(separatedBy: "…") }
    }

    /// Whether `answer` starts with the first of `parts` and holds the others after it, in order.
    static func answer(_ answer: String, keeps parts: [String]) -> Bool {
        guard let first = parts.first, answer.hasPrefix(first) else { return false }
        var rest = answer.dropFirst(first.count)
        for part in parts.dropFirst() where !part.isEmpty {
            guard let found = rest.range(of: part) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }

    @Test func theCurlSessionRunsAsWritten() async throws {
        let session = try Self.session()
        let promises = Self.promisedParts(session)
        #expect(promises.count == 6)
        let server = try ServerProcess(database: try temporaryDatabase(), arguments: ["--demo"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let export = try #require(server.output.first { $0.hasPrefix("export ") })
        let shell = try ChildProcess(
            ["/bin/bash", "-euo", "pipefail", "-c", export + "\n" + session],
            environment: ProcessInfo.processInfo.environment, stdout: .pipe, stderr: .pipe)
        async let out = ChildProcess.readToEnd(shell.standardOutput)
        async let err = ChildProcess.readToEnd(shell.standardError)
        let (stdout, stderr) = await (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        #expect(await shell.exitStatus() == 0, "\(stderr)")
        // One answer per line, in the order of the comments.
        let answers = stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        #expect(answers.count == promises.count, "\(stdout)")
        for (answer, parts) in zip(answers, promises) {
            #expect(Self.answer(answer, keeps: parts), "expected \(parts.joined(separator: "…")) got \(answer)")
            #expect(!answer.contains("\"statusCode\""), "an error: \(answer)")
        }
    }

    /// The README's Python example, with HighLevel's official SDK (scripts/test.sh installs it and exports
    /// SWITCHBOARD_WEBHOOK_SDK_PYTHON), reads the demo's conversations from Switchboard.
    @Test func thePythonExampleRunsWithTheOfficialSDK() async throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["SWITCHBOARD_WEBHOOK_SDK_PYTHON"].flatMap { $0.isEmpty ? nil : $0 },
            "SWITCHBOARD_WEBHOOK_SDK_PYTHON is not set: run scripts/test.sh, or point it at a Python with gohighlevel-api-client")
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let heading = try #require(text.range(of: "**From Python, with HighLevel's official SDK**"))
        let open = try #require(text[heading.upperBound...].range(of: "```python\n"))
        let close = try #require(text[open.upperBound...].range(of: "\n```\n"))
        let script = String(text[open.upperBound..<close.lowerBound])
        let server = try ServerProcess(database: try temporaryDatabase(), arguments: ["--demo"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let export = try #require(server.output.first { $0.hasPrefix("export ") })
        var environment = ProcessInfo.processInfo.environment
        for pair in export.dropFirst("export ".count).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            environment[String(parts[0])] = String(parts[1])
        }
        let child = try ChildProcess([python, "-c", script], environment: environment, stdout: .pipe, stderr: .pipe)
        async let out = ChildProcess.readToEnd(child.standardOutput)
        async let err = ChildProcess.readToEnd(child.standardError)
        let (stdout, stderr) = await (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        #expect(await child.exitStatus() == 0, "\(stderr)")
        let lines = stdout.split(separator: "\n")
        // The newest conversation (the demo's long mixed history), then its five newest messages.
        #expect(lines.count == 6, "\(stdout)")
        #expect(lines.first?.hasPrefix(try #require(server.lastConversation)) == true, "\(stdout)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("TYPE_") }, "\(stdout)")
    }
    /// The pytest example of "Testing your integration against Switchboard": its `conftest.py` and test file, run
    /// by pytest against the built binary (`SWITCHBOARD_COMMAND`).
    @Test func thePytestExampleRunsAsWritten() async throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["SWITCHBOARD_WEBHOOK_SDK_PYTHON"].flatMap { $0.isEmpty ? nil : $0 },
            "SWITCHBOARD_WEBHOOK_SDK_PYTHON is not set: run scripts/test.sh, or point it at a Python with pytest")
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let heading = try #require(text.range(of: "**Python (pytest)**"))
        var blocks: [String] = []
        var rest = text[heading.upperBound...]
        for _ in 0..<2 {
            let open = try #require(rest.range(of: "```python\n"))
            let close = try #require(rest[open.upperBound...].range(of: "\n```\n"))
            blocks.append(String(rest[open.upperBound..<close.lowerBound]) + "\n")
            rest = rest[close.upperBound...]
        }
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try blocks[0].write(to: directory.appendingPathComponent("conftest.py"), atomically: true, encoding: .utf8)
        try blocks[1].write(to: directory.appendingPathComponent("test_example.py"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_COMMAND"] = try switchboardBinary().path
        let child = try ChildProcess(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", directory.path], environment: environment,
            stdout: .pipe, stderr: .pipe)
        async let out = ChildProcess.readToEnd(child.standardOutput)
        async let err = ChildProcess.readToEnd(child.standardError)
        let (stdout, stderr) = await (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        #expect(await child.exitStatus() == 0, "\(stdout)\n\(stderr)")
        #expect(stdout.contains("2 passed"), "\(stdout)")
    }
}
