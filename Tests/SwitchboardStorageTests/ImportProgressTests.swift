import Foundation
import SwitchboardCore
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// The import's progress (issue 19): what the importer reports, batch by batch and before the store finishes, and
/// the line a terminal shows for it.
@Suite struct ImportProgressTests {
    @Test func theLineShowsTheShareTheRateAndTheTimeLeftWithin80Columns() {
        let reading = ImportProgress(phase: .reading, messages: 480_000, bytesRead: 250, totalBytes: 1_000)
        let line = reading.line(elapsed: 6)
        #expect(line == "importing  25% [#####---------------] 480,000 messages, 80,000/s, ETA 0:18")
        #expect(ImportProgress(phase: .reading, messages: 0, bytesRead: 0, totalBytes: 1_000).line(elapsed: 0)
            == "importing   0% [--------------------] 0 messages, 0/s, ETA -:--")
        #expect(ImportProgress(phase: .reading, messages: 12_345_678, bytesRead: 1_000, totalBytes: 1_000)
            .line(elapsed: 4_000) == "importing 100% [####################] 12,345,678 messages, 3,086/s, ETA 0:00")
        #expect(ImportProgress(phase: .finishing, messages: 1_100_000, bytesRead: 9, totalBytes: 9)
            .line(elapsed: 20, finishingFor: 3_725) == "importing 100% [####################] building indexes and committing, 1:02:05")
        // Standard input: no size, so no share and no time left.
        #expect(ImportProgress(phase: .reading, messages: 2_500, bytesRead: 2_400_000, totalBytes: nil).line(elapsed: 2)
            == "importing 2,500 messages, 1,250/s, 2.4 MB read")
        #expect(line.count <= 80)
    }

    /// After each written batch the share is that of the input up to the batch's end, never past it; then one report
    /// of the finishing phase with the whole input read.
    @Test(arguments: Backend.allCases)
    func theImporterReportsEachWrittenBatchThenTheFinish(_ backend: Backend) async throws {
        let location = LocationID.generate()
        let conversation = ConversationID.generate()
        let contact = ContactID.generate()
        let encoder = JSONEncoder()
        let lines = try (0..<35).map { index in
            String(decoding: try encoder.encode(
                makeMessage(conversation: conversation, location: location, contact: contact, at: Int64(index) * 1000)),
                as: UTF8.self)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("import-progress-\(UUID().uuidString).ndjson")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(LineSource(path: file.path).size == size)
        #expect(LineSource(path: "-").size == nil)

        let reports = try await withStore(backend) { store in
            var reports: [ImportProgress] = []
            let summary = try await MessageImporter(batchSize: 10).run(
                lines: LineSource(path: file.path), into: store, strict: false, logger: .test
            ) { reports.append($0) }
            #expect(summary.imported == 35)
            return reports
        }
        #expect(reports.map(\.phase) == [.reading, .reading, .reading, .reading, .reading, .finishing])
        #expect(reports.map(\.messages) == [0, 10, 20, 30, 35, 35])
        #expect(reports.allSatisfy { $0.totalBytes == size })
        // The whole file fits one read, so every batch's end is the end of the input.
        #expect(reports.map(\.bytesRead) == [0, size, size, size, size, size])
    }
}
