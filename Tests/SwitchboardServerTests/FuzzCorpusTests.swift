import Foundation
import SwitchboardCore
@_spi(Fuzzing) @testable import SwitchboardServer
import Testing

/// Every input in `Fuzz/corpus` (the seeds, and what the fuzzer found worth keeping, crashes included once fixed)
/// still satisfies every fuzz property: the corpus is a regression suite that runs without libFuzzer.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    @Test func everyCorpusInputKeepsEveryProperty() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
        #expect(files.count >= 7)
        for file in files {
            let data = try Data(contentsOf: file)
            let violation = data.withUnsafeBytes { FuzzTargets.run($0) }
            #expect(violation == nil, "\(file.lastPathComponent)")
        }
    }

    /// The seeds reach every target's checks (a property that is never checked cannot fail).
    @Test func theSeedsReachEveryTargetsChecks() throws {
        func seed(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: Self.corpus.appendingPathComponent(name))) }
        let head = try seed("head-page")
        #expect(head.first == 0)
        guard case .head = head.dropFirst().withUnsafeBytes({ RequestHead.read($0, limit: 1 << 16) }) else {
            Issue.record("head-page is not a whole head"); return
        }
        let target = try seed("target-page")
        #expect(target.first == 1)
        #expect(HotPath.cacheKey(String(decoding: target.dropFirst(), as: UTF8.self), location: LocationID(rawValue: "L"))?.0.kind == .page)
        let line = try seed("line-sms")
        #expect(line.first == 2)
        #expect(line.dropFirst().withUnsafeBufferPointer { MessageLineParser.parse($0) } != nil)
    }
}
