import Foundation
import SwitchboardCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_765_835_170_102, "2025-12-15T21:46:10.102Z"),
        (1_711_563_229_000, "2024-03-27T18:13:49.000Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func formatsAsHighLevelDoes(_ milliseconds: Int64, _ text: String) {
        #expect(Timestamp(rawValue: milliseconds).iso8601 == text)
        #expect(Timestamp(iso8601: text) == Timestamp(rawValue: milliseconds))
    }

    @Test func parsesOffsetsAndShortForms() {
        #expect(Timestamp(iso8601: "2025-12-15T22:46:10.102+01:00")?.rawValue == 1_765_835_170_102)
        #expect(Timestamp(iso8601: "2025-12-15T21:46:10Z")?.rawValue == 1_765_835_170_000)
        #expect(Timestamp(iso8601: "2025-12-15T21:46Z")?.rawValue == 1_765_835_160_000)
        #expect(Timestamp(iso8601: "2025-12-15T21:46:10.1023456Z")?.rawValue == 1_765_835_170_102)
    }

    @Test(arguments: ["", "2025-12-15", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2025-12-15T24:00:00Z",
                      "2025-12-15T21:46:10.Z", "2025-12-15T21:46:10", "tomorrow", "2025-12-15T21:46:10Zjunk"])
    func rejectsMalformedDates(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func agreesWithFoundationOnRandomInstants() throws {
        var generator = SeededGenerator(seed: 7)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<2000 {
            let milliseconds = Int64(generator.next(upperBound: 4_102_444_800_000 as UInt64))
            let ours = Timestamp(rawValue: milliseconds).iso8601
            let date = try #require(formatter.date(from: ours))
            #expect(Int64((date.timeIntervalSince1970 * 1000).rounded()) == milliseconds)
        }
    }
}
