import Foundation
import Testing

/// `switchboard generate --realistic`: the data the benchmarks read must look like a real export, or the numbers
/// flatter (issue 20): random 20-character ids, lines grouped by conversation and newest first in each, varied
/// bodies, every kind of item, some attachments; and the same bytes for the same seed.
@Suite struct GenerateTests {
    static let arguments = ["generate", "--realistic", "--messages", "2000", "--conversations", "40", "--large", "300"]

    @Test func realisticDataIsShapedLikeAnExport() async throws {
        let generated = try await runCLI(Self.arguments + ["--seed", "7"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let lines = generated.stdout.split(separator: "\n")
        #expect(lines.count == 2300)
        let messages = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let id = try Regex("^[0-9A-Za-z]{20}$")
        for message in messages {
            for key in ["id", "conversationId", "contactId"] {
                #expect((message[key] as? String).map { $0.wholeMatch(of: id) != nil } == true, "\(key): \(message)")
            }
        }
        #expect(Set(messages.compactMap { $0["id"] as? String }).count == 2300)

        // Grouped: each conversation's lines are one run, newest first; the large one is last.
        var runs: [(conversation: String, dates: [String])] = []
        for message in messages {
            let conversation = try #require(message["conversationId"] as? String)
            let date = try #require(message["dateAdded"] as? String)
            if runs.last?.conversation == conversation { runs[runs.count - 1].dates.append(date) } else { runs.append((conversation, [date])) }
        }
        #expect(runs.count == 41)
        #expect(Set(runs.map(\.conversation)).count == 41, "a conversation's lines come in one run")
        #expect(runs.last?.dates.count == 300)
        #expect(runs.allSatisfy { $0.dates == $0.dates.sorted(by: >) }, "newest first within a conversation")
        #expect(Set(runs.dropLast().map(\.dates.count)).count > 5, "conversations differ in length")

        // Every kind of item, with its own fields.
        let types = Set(messages.compactMap { $0["messageType"] as? String })
        #expect(types.isSuperset(of: ["TYPE_SMS", "TYPE_EMAIL", "TYPE_CALL", "TYPE_ACTIVITY_APPOINTMENT", "TYPE_WHATSAPP"]))
        for message in messages {
            let meta = message["meta"] as? [String: Any]
            switch message["messageType"] as? String {
            case "TYPE_CALL":
                #expect(message["body"] == nil && (meta?["call"] as? [String: Any])?["status"] is String, "\(message)")
            case "TYPE_EMAIL":
                #expect(((meta?["email"] as? [String: Any])?["messageIds"] as? [String])?.count == 1, "\(message)")
                #expect(message["contentType"] as? String == "text/html")
            default:
                let body = try #require(message["body"] as? String)
                #expect((20...400).contains(body.count), "\(body.count): \(body)")
            }
        }
        #expect(messages.contains { ($0["body"] as? String)?.unicodeScalars.contains { !$0.isASCII } == true })
        let withAttachments = messages.filter { $0["attachments"] != nil }.count
        #expect((100...350).contains(withAttachments), "about one in ten: \(withAttachments) of 2300")
    }

    @Test func theSameSeedGivesTheSameBytesAndTheFileImports() async throws {
        let first = try await runCLI(Self.arguments + ["--seed", "7"])
        let again = try await runCLI(Self.arguments + ["--seed", "7"])
        let other = try await runCLI(Self.arguments + ["--seed", "8"])
        #expect(first.stdout == again.stdout)
        #expect(first.stdout != other.stdout)
        let database = try temporaryDatabase()
        let imported = try await runCLI(["import", "-", "--database", database], stdin: Data(first.stdout.utf8))
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("imported 2300 messages into 41 conversations"), "\(imported.stderr)")
    }
}
