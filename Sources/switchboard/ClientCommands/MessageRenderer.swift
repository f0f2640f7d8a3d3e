import SwitchboardClient
import SwitchboardCore

/// Writes messages one at a time in the chosen format, so a listing streams as its pages arrive.
struct MessageRenderer {
    let format: OutputFormat
    private var output = BufferedOutput()
    private var count = 0
    private let bodyWidth: Int

    init(format: OutputFormat) {
        self.format = format
        // DATE(19) DIR(3) TYPE(16) STATUS(11) ID(22) and their gaps leave the rest to the body.
        bodyWidth = max(20, Terminal.width - 19 - 3 - 16 - 11 - 22 - 10)
    }

    mutating func begin() {
        switch format {
        case .table:
            output.line(row(date: "DATE (UTC)", direction: "DIR", type: "TYPE", status: "STATUS", id: "ID", body: "BODY"))
        case .csv:
            output.line(
                "id,dateAdded,direction,messageType,type,status,body,contentType,contactId,conversationId,userId,source,"
                    + "altId,callDuration,callStatus,attachments")
        case .json:
            output.write("[")
        case .ndjson:
            break
        }
    }

    mutating func write(_ message: HighLevelMessage) {
        defer { count += 1 }
        switch format {
        case .ndjson:
            // The message JSON as the server serves it (`Message.write`), which `switchboard import` reads.
            var bytes: [UInt8] = []
            message.writeJSON(to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
            output.write(bytes: bytes)
        case .json:
            var bytes = Array((count == 0 ? "\n" : ",\n").utf8)
            message.writeJSON(to: &bytes)
            output.write(bytes: bytes)
        case .table:
            output.line(
                row(
                    date: Terminal.date(message.dateAdded.iso8601), direction: Self.arrow(message.direction),
                    type: Self.shortType(message.messageType), status: message.status ?? "", id: message.id.rawValue,
                    body: Self.summary(message)))
        case .csv:
            let fields: [String?] = [
                message.id.rawValue, message.dateAdded.iso8601, message.direction?.rawValue, message.messageType.rawValue,
                message.typeCode.map(String.init), message.status, message.body, message.contentType,
                message.contactId.rawValue, message.conversationId.rawValue, message.userId, message.source,
                message.altId, message.call?.duration.map(String.init), message.call?.status,
                message.attachments?.joined(separator: " "),
            ]
            output.line(fields.map(Terminal.csv).joined(separator: ","))
        }
    }

    mutating func flush() {
        output.flush()
    }

    mutating func finish() {
        if format == .json { output.write(count == 0 ? "]\n" : "\n]\n") }
        output.flush()
    }

    private func row(date: String, direction: String, type: String, status: String, id: String, body: String) -> String {
        [
            Terminal.cell(date, width: 19), Terminal.cell(direction, width: 3), Terminal.cell(type, width: 16),
            Terminal.cell(status, width: 11), Terminal.cell(id, width: 22), Terminal.cell(body, width: bodyWidth, pad: false),
        ].joined(separator: "  ")
    }

    static func arrow(_ direction: OpenEnum<MessageDirection>?) -> String {
        switch direction {
        case .known(.inbound): "in"
        case .known(.outbound): "out"
        case .unknown(let raw): raw
        case nil: ""
        }
    }

    static func shortType(_ type: MessageKind) -> String {
        let raw = type.rawValue
        return raw.hasPrefix("TYPE_") ? String(raw.dropFirst(5)) : raw
    }

    /// The body, or what stands in for it: a call's length and outcome, an email's id count, attachments.
    static func summary(_ message: HighLevelMessage) -> String {
        if let body = message.body, !body.isEmpty { return body }
        if let call = message.call {
            return ["call", call.duration.map { "\($0)s" }, call.status].compactMap { $0 }.joined(separator: " ")
        }
        if let ids = message.emailMessageIds { return "(email; body via \(ids.count) email message id\(ids.count == 1 ? "" : "s"))" }
        if let attachments = message.attachments, !attachments.isEmpty { return "(\(attachments.count) attachments)" }
        return ""
    }
}
