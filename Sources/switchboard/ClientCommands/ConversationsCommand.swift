import ArgumentParser
import SwitchboardClient
import SwitchboardCore

/// `switchboard conversations …`: conversations of a location.
struct ConversationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversations", abstract: "Find conversations.", subcommands: [Search.self])

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search a location's conversations, most recent message first.",
            discussion: "The location comes from --location or HIGHLEVEL_LOCATION_ID; HighLevel requires one.")

        @Option(help: "The location (env: HIGHLEVEL_LOCATION_ID).") var location: String?
        @Option(help: "Text to find in the contact's name, email or phone.") var query: String?
        @Option(help: "Only this contact's conversation.") var contact: String?
        @Option(help: "all, read, unread, starred or recents.") var status: String?
        @Option(help: "Show at most this many conversations (default: 20), fetching as many pages as that takes.")
        var limit: Int?
        @Flag(help: "Fetch every matching conversation, page after page (progress on stderr).") var all = false
        @Option(help: OutputFormat.help) var format: OutputFormat?
        @OptionGroup var client: ClientOptions

        static let statuses = ["all", "read", "unread", "starred", "recents"]
        static let largestPage = 100

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if all, limit != nil { throw ValidationError("--all fetches every conversation; leave out --limit") }
            if let status, !Self.statuses.contains(status) {
                throw ValidationError("--status must be one of \(Self.statuses.joined(separator: ", "))")
            }
            _ = try ClientOptions.location(location)
        }

        func run() async throws {
            let maximum = all ? Int.max : (limit ?? 20)
            let search = ConversationSearch(
                locationId: try ClientOptions.location(location), contactId: contact.map(ContactID.init(rawValue:)),
                query: query, status: status, limit: min(maximum, Self.largestPage))
            var renderer = ConversationRenderer(format: OutputFormat.resolve(format))
            var progress = all ? PageProgress(noun: "conversations", enabled: true) : nil
            renderer.begin()
            do {
                try await client.withClient { client in
                    var shown = 0
                    pages: for try await page in client.searchPages(search) {
                        progress?.page(items: page.conversations.count)
                        for conversation in page.conversations {
                            guard shown < maximum else { break pages }
                            renderer.write(conversation)
                            shown += 1
                        }
                        if shown >= maximum { break }
                    }
                }
            } catch {
                renderer.flush()
                throw error
            }
            renderer.finish()
            progress?.finish()
        }
    }
}

/// Writes conversations one at a time in the chosen format.
struct ConversationRenderer {
    let format: OutputFormat
    private var output = BufferedOutput()
    private var count = 0
    private let bodyWidth: Int

    init(format: OutputFormat) {
        self.format = format
        bodyWidth = max(20, Terminal.width - 22 - 19 - 14 - 6 - 24 - 10)
    }

    mutating func begin() {
        switch format {
        case .table:
            output.line(row("ID", "LAST MESSAGE (UTC)", "TYPE", "UNREAD", "CONTACT", "LAST MESSAGE BODY"))
        case .csv:
            output.line(
                "id,contactId,locationId,lastMessageDate,lastMessageType,lastMessageDirection,unreadCount,starred,"
                    + "fullName,email,phone,lastMessageBody")
        case .json:
            output.write("[")
        case .ndjson:
            break
        }
    }

    mutating func write(_ conversation: ConversationRecord) {
        defer { count += 1 }
        switch format {
        case .ndjson, .json:
            // The conversation exactly as the API returned it.
            var bytes = format == .json ? Array((count == 0 ? "\n" : ",\n").utf8) : []
            RawJSON.object(conversation.json).write(to: &bytes)
            if format == .ndjson { bytes.append(UInt8(ascii: "\n")) }
            output.write(bytes: bytes)
        case .table:
            let contact = conversation.fullName.flatMap { $0.isEmpty ? nil : $0 } ?? conversation.email ?? conversation.phone
            output.line(
                row(
                    conversation.id.rawValue, conversation.lastMessageDate.map { Terminal.date($0.iso8601) } ?? "",
                    conversation.lastMessageType.map(MessageRenderer.shortType) ?? "",
                    conversation.unreadCount.map(String.init) ?? "", contact ?? conversation.contactId?.rawValue ?? "",
                    conversation.lastMessageBody ?? ""))
        case .csv:
            let fields: [String?] = [
                conversation.id.rawValue, conversation.contactId?.rawValue, conversation.locationId?.rawValue,
                conversation.lastMessageDate?.iso8601, conversation.lastMessageType?.rawValue,
                conversation.lastMessageDirection?.rawValue, conversation.unreadCount.map(String.init),
                conversation.starred.map { $0 ? "true" : "false" }, conversation.fullName, conversation.email,
                conversation.phone, conversation.lastMessageBody,
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

    private func row(_ id: String, _ date: String, _ type: String, _ unread: String, _ contact: String, _ body: String)
        -> String
    {
        [
            Terminal.cell(id, width: 22), Terminal.cell(date, width: 19), Terminal.cell(type, width: 14),
            Terminal.cell(unread, width: 6), Terminal.cell(contact, width: 24), Terminal.cell(body, width: bodyWidth, pad: false),
        ].joined(separator: "  ")
    }
}
