public import Logging
import SwitchboardCore
import SwitchboardStorage

/// `serve`'s default log format: one readable line per entry, `TIME LEVEL LABEL: MESSAGE key=value …` (UTC to the
/// millisecond, metadata sorted by key), queued on a `LogWriter` rather than written by the caller. It exists because
/// swift-log's `StreamLogHandler` formats its time through the C library's locale machinery and writes each line
/// with its own system call under a process-wide lock: with an access line per request, that halved the hot path.
public struct TextLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let writer: LogWriter

    public init(label: String, logLevel: Logger.Level = .info, writer: LogWriter = .standardError) {
        self.label = label
        self.logLevel = logLevel
        self.writer = writer
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        Self.appendPrefix(event.level, label: label, to: &line)
        line.append(contentsOf: event.message.description.utf8)
        let fields = event.metadata.map { metadata.isEmpty ? $0 : metadata.merging($0) { $1 } } ?? metadata
        for key in fields.keys.sorted() {
            guard let value = fields[key] else { continue }
            line.append(0x20)
            line.append(contentsOf: key.utf8)
            line.append(0x3D)
            line.append(contentsOf: value.description.utf8)
        }
        if let error = event.error {
            line.append(contentsOf: " error=".utf8)
            line.append(contentsOf: String(describing: error).utf8)
        }
        line.append(0x0A)
        writer.append(line)
    }

    /// `TIME LEVEL LABEL: `, what every line starts with (the access log's direct lines too).
    static func appendPrefix(_ level: Logger.Level, label: String, to line: inout [UInt8]) {
        Timestamp.now().appendISO8601(to: &line)
        line.append(0x20)
        line.append(contentsOf: level.rawValue.utf8)
        line.append(0x20)
        line.append(contentsOf: label.utf8)
        line.append(contentsOf: ": ".utf8)
    }
}
