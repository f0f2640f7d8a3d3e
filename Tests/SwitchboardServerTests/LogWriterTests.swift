import Foundation
import Logging
@testable import SwitchboardServer
import Testing

/// The log's writer never makes a caller wait: lines are queued, written in order, and dropped (and counted, and
/// said) when the queue is full.
@Suite struct LogWriterTests {
    /// A pipe whose write end the writer owns; `read()` takes what has arrived.
    final class Pipe {
        let read: Int32
        let write: Int32
        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EIO) }
            (read, write) = (ends[0], ends[1])
            _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
        }
        func take() -> String {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                bytes += chunk[0..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        deinit {
            close(read)
            close(write)
        }
    }

    @Test func linesBeyondTheCapacityAreDroppedCountedAndSaid() throws {
        let pipe = try Pipe()
        let writer = LogWriter(fileDescriptor: pipe.write, capacity: 25, background: false)
        writer.append(Array("first line\n".utf8))
        writer.append(Array("second line\n".utf8))
        writer.append(Array("third line\n".utf8))  // 11 + 12 + 11 > 25: dropped
        #expect(pipe.take() == "", "nothing is written by the caller")
        #expect(writer.droppedLines == 1)
        writer.flush()
        #expect(pipe.take() == """
            first line
            second line
            switchboard: 1 log lines dropped: the log was written slower than it grew

            """)
        writer.append(Array("fourth line\n".utf8))
        writer.flush()
        #expect(pipe.take() == "fourth line\n")
        #expect(writer.droppedLines == 1)
    }

    @Test func theWriterThreadWritesWithoutAFlush() async throws {
        let pipe = try Pipe()
        let writer = LogWriter(fileDescriptor: pipe.write)
        writer.append(Array("queued\n".utf8))
        var seen = ""
        for _ in 0..<100 where seen.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            seen = pipe.take()
        }
        #expect(seen == "queued\n")
    }

    @Test func textLinesCarryTimeLevelLabelMessageAndSortedMetadata() throws {
        let pipe = try Pipe()
        let writer = LogWriter(fileDescriptor: pipe.write, background: false)
        var logger = Logger(label: "switchboard") { label in TextLogHandler(label: label, writer: writer) }
        logger[metadataKey: "zone"] = "a"
        logger.info("GET /x 200", metadata: ["route": "/x", "door": "hot", "duration_ms": .stringConvertible(0.25)])
        logger.debug("below the level: not written")
        logger.error("failed", error: POSIXError(.EPIPE))
        writer.flush()
        let lines = pipe.take().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3, "\(lines)")
        let time = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z "#
        #expect(lines[0].range(of: time + #"info switchboard: GET /x 200 door=hot duration_ms=0\.25 route=/x zone=a$"#,
                               options: .regularExpression) != nil, "\(lines[0])")
        #expect(lines[1].range(of: time + "error switchboard: failed zone=a error=.+$", options: .regularExpression) != nil,
                "\(lines[1])")
        #expect(lines[2] == "")
        // The time is now's, in UTC.
        let stamp = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: String(lines[0].prefix(24))))
        #expect(abs(stamp.timeIntervalSinceNow) < 5)
    }
}

/// The access log's direct lines are the lines its swift-log handlers would have written for the same request.
@Suite struct AccessLogTests {
    func lines(_ destination: (LogWriter) -> AccessLog.Destination, handler: @escaping @Sendable (String, LogWriter) -> any LogHandler)
        throws -> [String]
    {
        let pipe = try LogWriterTests.Pipe()
        let writer = LogWriter(fileDescriptor: pipe.write, background: false)
        let logger = Logger(label: "switchboard") { handler($0, writer) }
        let log = AccessLog(destination(writer))
        log.record(
            logger, method: "GET", path: "/conversations/c1/messages", status: 200,
            route: "/conversations/{conversationId}/messages", duration: .microseconds(1_234_567), requestId: "r-1",
            door: .hot)
        log.record(
            logger, method: "POST", path: "/conversations/messages", status: 429, route: "/conversations/messages",
            duration: .nanoseconds(800), requestId: "say \"hi\"", door: .router)
        writer.flush()
        return pipe.take().split(separator: "\n").map(String.init)
    }

    @Test func textLinesMatchTheTextHandlersButForTheTime() throws {
        let direct = try lines({ .text($0) }, handler: { TextLogHandler(label: $0, writer: $1) }).map { String($0.dropFirst(24)) }
        let handled = try lines({ _ in .logger }, handler: { TextLogHandler(label: $0, writer: $1) }).map { String($0.dropFirst(24)) }
        let first = " info switchboard: GET /conversations/c1/messages 200 door=hot duration_ms=1234.567 request.id=r-1 "
            + "route=/conversations/{conversationId}/messages"
        let second = " info switchboard: POST /conversations/messages 429 door=router duration_ms=0.000 "
            + "request.id=say \"hi\" route=/conversations/messages"
        #expect(direct == [first, second])
        // Through swift-log the duration is a Double's description; everything else is the same.
        let secondHandled = second.replacingOccurrences(of: "duration_ms=0.000", with: "duration_ms=0.0008")
        #expect(handled == [first, secondHandled])
    }

    @Test func jsonLinesAreObjectsWithTheSameFields() throws {
        let direct = try lines({ .json($0) }, handler: { label, _ in TextLogHandler(label: label) })
        #expect(direct.count == 2)
        let objects = try direct.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects[0]["message"] as? String == "GET /conversations/c1/messages 200")
        #expect(objects[0]["duration_ms"] as? Double == 1234.567)
        #expect(objects[0]["door"] as? String == "hot")
        #expect(objects[1]["request.id"] as? String == "say \"hi\"")
        #expect(objects[1]["route"] as? String == "/conversations/messages")
        #expect(objects[1]["level"] as? String == "info")
        #expect(objects[1]["label"] as? String == "switchboard")
        #expect((objects[1]["time"] as? String).flatMap(ISO8601DateFormatter.withFractionalSeconds.date(from:)) != nil)
        #expect(Set(objects[1].keys) == ["door", "duration_ms", "label", "level", "message", "request.id", "route", "time"])
    }

    @Test func belowInfoNothingIsWritten() throws {
        let pipe = try LogWriterTests.Pipe()
        let writer = LogWriter(fileDescriptor: pipe.write, background: false)
        var logger = Logger(label: "switchboard") { TextLogHandler(label: $0, writer: writer) }
        logger.logLevel = .warning
        AccessLog(.text(writer)).record(
            logger, method: "GET", path: "/", status: 200, route: "/", duration: .zero, requestId: "r", door: .hot)
        writer.flush()
        #expect(pipe.take() == "")
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
