import Foundation
import SwitchboardTestSupport
import Testing

/// Issue 19: the README's curl session runs exactly as written, taken from the README's own text, against a `--demo`
/// server whose `export …` line set its variables; each answer starts as the comment under its command says.
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

    /// What each comment block promises: its first line up to the first "…".
    static func promisedStarts(_ session: String) -> [String] {
        var starts: [String] = []
        var previousWasComment = false
        for line in session.split(separator: "\n", omittingEmptySubsequences: false) {
            let isAnswer = line.hasPrefix("#   ")
            if isAnswer, !previousWasComment {
                let answer = line.dropFirst(4)
                starts.append(String(answer.prefix { $0 != "…" }))
            }
            previousWasComment = isAnswer
        }
        return starts
    }

    @Test func theCurlSessionRunsAsWritten() async throws {
        let session = try Self.session()
        let starts = Self.promisedStarts(session)
        #expect(starts.count == 6)
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
        #expect(answers.count == starts.count, "\(stdout)")
        for (answer, start) in zip(answers, starts) {
            #expect(answer.hasPrefix(start), "expected \(start)… got \(answer)")
            #expect(!answer.contains("\"statusCode\""), "an error: \(answer)")
        }
    }
}
