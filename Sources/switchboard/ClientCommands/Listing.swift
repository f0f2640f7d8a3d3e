import SwitchboardClient
import SwitchboardCore

/// What a listing command prints of one record in each output format.
protocol ListedRecord {
    /// The CSV header line.
    static var csvHeader: String { get }
    /// The table's column titles and widths; the last column takes what the terminal has left.
    static var tableColumns: [(title: String, width: Int)] { get }
    func tableCells() -> [String]
    func csvFields() -> [String?]
    /// The record's JSON, as `--format json` and `ndjson` print it.
    func writeJSON(to bytes: inout [UInt8])
}

/// Prints a listing as its pages arrive: at most `maximum` records, with a progress line when asked for. What arrived
/// before a failure is still printed; the error follows on stderr.
struct Listing<Record: ListedRecord> {
    private let format: OutputFormat
    private let maximum: Int
    private var progress: PageProgress?
    private var output = BufferedOutput()
    private var count = 0
    private let lastColumnWidth: Int

    init(format: OutputFormat, maximum: Int, progressNoun: String?) {
        self.format = format
        self.maximum = maximum
        progress = progressNoun.map { PageProgress(noun: $0, enabled: true) }
        let fixed = Record.tableColumns.dropLast().reduce(0) { $0 + $1.width + 2 }
        lastColumnWidth = max(20, Terminal.width - fixed)
    }

    /// Prints every record `body` passes to `take`, between the format's opening and closing.
    mutating func run(_ body: (inout Listing) async throws -> Void) async throws {
        begin()
        do {
            try await body(&self)
        } catch {
            output.flush()
            throw error
        }
        if format == .json { output.write(count == 0 ? "]\n" : "\n]\n") }
        output.flush()
        progress?.finish()
    }

    /// Prints a page's records; false once `maximum` have been printed, when the caller should stop fetching.
    mutating func take(_ page: [Record]) -> Bool {
        progress?.page(items: page.count)
        for record in page {
            guard count < maximum else { return false }
            write(record)
        }
        return count < maximum
    }

    private mutating func begin() {
        switch format {
        case .table: output.line(tableRow(Record.tableColumns.map(\.title)))
        case .csv: output.line(Record.csvHeader)
        case .json: output.write("[")
        case .ndjson: break
        }
    }

    private mutating func write(_ record: Record) {
        defer { count += 1 }
        switch format {
        case .ndjson, .json:
            var bytes = format == .json ? Array((count == 0 ? "\n" : ",\n").utf8) : []
            record.writeJSON(to: &bytes)
            if format == .ndjson { bytes.append(UInt8(ascii: "\n")) }
            output.write(bytes: bytes)
        case .table:
            output.line(tableRow(record.tableCells()))
        case .csv:
            output.line(record.csvFields().map(Terminal.csv).joined(separator: ","))
        }
    }

    private func tableRow(_ cells: [String]) -> String {
        zip(cells, Record.tableColumns).enumerated().map { index, cell in
            index == Record.tableColumns.count - 1
                ? Terminal.cell(cell.0, width: lastColumnWidth, pad: false) : Terminal.cell(cell.0, width: cell.1.width)
        }.joined(separator: "  ")
    }
}

extension HighLevelMessage: ListedRecord {
    static let csvHeader =
        "id,dateAdded,direction,messageType,type,status,body,contentType,contactId,conversationId,userId,source,"
        + "altId,callDuration,callStatus,attachments"
    static let tableColumns: [(title: String, width: Int)] = [
        ("DATE (UTC)", 19), ("DIR", 3), ("TYPE", 16), ("STATUS", 11), ("ID", 22), ("BODY", 0),
    ]

    func tableCells() -> [String] {
        [
            Terminal.date(dateAdded.iso8601), Self.arrow(direction), Self.shortType(messageType), status ?? "",
            id.rawValue, summary,
        ]
    }

    func csvFields() -> [String?] {
        [
            id.rawValue, dateAdded.iso8601, direction?.rawValue, messageType.rawValue, typeCode.map(String.init), status,
            body, contentType, contactId.rawValue, conversationId.rawValue, userId, source, altId,
            call?.duration.map(String.init), call?.status, attachments?.joined(separator: " "),
        ]
    }

    // `writeJSON(to:)` is the client's: the message as the server serves it, which `switchboard import` reads.

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
    var summary: String {
        if let body, !body.isEmpty { return body }
        if let call {
            return ["call", call.duration.map { "\($0)s" }, call.status].compactMap { $0 }.joined(separator: " ")
        }
        if let ids = emailMessageIds { return "(email; body via \(ids.count) email message id\(ids.count == 1 ? "" : "s"))" }
        if let attachments, !attachments.isEmpty { return "(\(attachments.count) attachments)" }
        return ""
    }
}

extension ConversationRecord: ListedRecord {
    static let csvHeader =
        "id,contactId,locationId,lastMessageDate,lastMessageType,lastMessageDirection,unreadCount,starred,"
        + "fullName,email,phone,lastMessageBody"
    static let tableColumns: [(title: String, width: Int)] = [
        ("ID", 22), ("LAST MESSAGE (UTC)", 19), ("TYPE", 14), ("UNREAD", 6), ("CONTACT", 24),
        ("LAST MESSAGE BODY", 0),
    ]

    func tableCells() -> [String] {
        let contact = fullName.flatMap { $0.isEmpty ? nil : $0 } ?? email ?? phone
        return [
            id.rawValue, lastMessageDate.map { Terminal.date($0.iso8601) } ?? "",
            lastMessageType.map(HighLevelMessage.shortType) ?? "", unreadCount.map(String.init) ?? "",
            contact ?? contactId?.rawValue ?? "", lastMessageBody ?? "",
        ]
    }

    func csvFields() -> [String?] {
        [
            id.rawValue, contactId?.rawValue, locationId?.rawValue, lastMessageDate?.iso8601, lastMessageType?.rawValue,
            lastMessageDirection?.rawValue, unreadCount.map(String.init), starred.map { $0 ? "true" : "false" }, fullName,
            email, phone, lastMessageBody,
        ]
    }

    /// The conversation exactly as the API returned it.
    func writeJSON(to bytes: inout [UInt8]) { RawJSON.object(json).write(to: &bytes) }
}
