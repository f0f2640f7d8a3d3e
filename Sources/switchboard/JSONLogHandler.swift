import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage

/// `serve --log-format json`: one JSON object per line on stderr, for log collectors: `time`, `level`, `label`,
/// `message`, then every metadata field at the top level (numbers as numbers), so an access line carries `route`,
/// `duration_ms`, `request.id` and `door` as fields of its own. Queued on `LogWriter`, like the text format.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: Any] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = Self.json(value)
        }
        if let error = event.error { object["error"] = "\(error)" }
        object["time"] = Timestamp.now().iso8601
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = event.message.description
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        data.append(0x0A)
        LogWriter.standardError.append(data)
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible):
            // Durations and counts stay numbers; anything else is its description.
            Double(convertible.description).map { $0 as Any } ?? convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }
}
