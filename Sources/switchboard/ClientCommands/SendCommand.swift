import ArgumentParser
import SwitchboardClient
import SwitchboardCore

/// `switchboard send`: sends a message to a contact (`POST /conversations/messages`). Never retried once the
/// request may have reached the server, so it can never send twice.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message to a contact.",
        discussion: """
            Prints the new message's id and its conversation, or the API's JSON answer with --format json. \
            HighLevel delivers to the contact's primary phone or email.
            """)

    @Option(help: "The contact to send to.") var contact: String
    @Option(help: "The channel: SMS, Email, WhatsApp, RCS, IG, FB, Custom, Live_Chat or TIKTOK.") var type: String
    @Option(help: "The text (SMS and chat channels; an email's plain-text body).") var message: String?
    @Option(help: "The email subject.") var subject: String?
    @Option(help: "The email's HTML body.") var html: String?
    @Option(help: "table (a readable line) or json (default: table on a terminal, json otherwise).")
    var format: Format?

    /// One answer, so only the formats of one answer (the listing commands add ndjson and csv).
    enum Format: String, CaseIterable, ExpressibleByArgument { case table, json }
    @OptionGroup var client: ClientOptions

    func validate() throws {
        if contact.isEmpty { throw ValidationError("--contact is empty") }
        if type.isEmpty { throw ValidationError("--type is empty") }
        if message == nil, html == nil { throw ValidationError("give --message (or --html for email)") }
    }

    func run() async throws {
        let request = SendMessageRequest(
            type: MessageChannel(rawValue: type), contactId: ContactID(rawValue: contact), message: message,
            subject: subject, html: html)
        let sent = try await client.withClient { client in try await client.sendMessage(request) }
        var output = BufferedOutput()
        switch format ?? (Terminal.standardOutputIsTerminal ? .table : .json) {
        case .table:
            let id = sent.messageId?.rawValue ?? "?"
            let conversation = sent.conversationId.map { " in conversation \($0)" } ?? ""
            output.line("sent message \(id)\(conversation)")
        case .json:
            output.line(RawJSON.object(sent.json).jsonText)
        }
        output.flush()
    }
}
