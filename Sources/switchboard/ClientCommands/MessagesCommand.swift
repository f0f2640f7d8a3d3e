import ArgumentParser
import SwitchboardClient
import SwitchboardCore

/// `switchboard messages CONVERSATION_ID`: a conversation's messages, newest first, from HighLevel or Switchboard.
struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "List a conversation's messages, newest first.",
        discussion: """
            Talks to the local `switchboard serve` (http://127.0.0.1:8080) unless --base-url, SWITCHBOARD_BASE_URL or \
            HIGHLEVEL_BASE_URL names another server, such as HighLevel (https://services.leadconnectorhq.com). The \
            token comes from --token, SWITCHBOARD_TOKEN or HIGHLEVEL_TOKEN. \
            NDJSON output is one message per line in the API's own JSON, ready for `switchboard import`.
            """)

    @Argument(help: "The conversation id.") var conversationId: String

    @Option(help: ArgumentHelp("Only these message types, comma-separated.", valueName: "TYPE_SMS,TYPE_CALL"))
    var type: String?

    @Option(help: "Show at most this many messages (default: 20), fetching as many pages as that takes.")
    var limit: Int?

    @Flag(help: "Fetch every message of the conversation, page after page (progress on stderr).")
    var all = false

    @Option(help: OutputFormat.help) var format: OutputFormat?

    @OptionGroup var client: ClientOptions

    static let defaultLimit = 20
    /// The largest page Switchboard serves (HighLevel documents no maximum; 100 is what clients commonly send).
    static let largestPage = MessagePageQuery.maximumLimit

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if all, limit != nil { throw ValidationError("--all fetches every message; leave out --limit") }
        if conversationId.isEmpty { throw ValidationError("the conversation id is empty") }
        _ = try filter()
    }

    func filter() throws -> MessageTypeFilter? {
        guard let type else { return nil }
        do {
            return try MessageTypeFilter.parse([Substring(type)])
        } catch {
            throw ValidationError(error.messages.joined(separator: "; "))
        }
    }

    func run() async throws {
        let filter = try filter()
        let maximum = all ? Int.max : (limit ?? Self.defaultLimit)
        let pageSize = min(maximum, Self.largestPage)
        let conversation = ConversationID(rawValue: conversationId)
        var listing = Listing<HighLevelMessage>(
            format: OutputFormat.resolve(format), maximum: maximum, progressNoun: all ? "messages" : nil)
        try await listing.run { listing in
            try await client.withClient { client in
                for try await page in client.messagePages(in: conversation, types: filter, pageSize: pageSize) {
                    guard listing.take(page.messages) else { break }
                }
            }
        }
    }
}
