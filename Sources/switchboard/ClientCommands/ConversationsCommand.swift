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
            discussion: "The location comes from --location, SWITCHBOARD_LOCATION_ID or HIGHLEVEL_LOCATION_ID; HighLevel requires one.")

        @Option(help: "The location (env: SWITCHBOARD_LOCATION_ID, then HIGHLEVEL_LOCATION_ID).") var location: String?
        @Option(help: "Text to find in the last message's body or the contact's name, email or phone.") var query: String?
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
            var listing = Listing<ConversationRecord>(
                format: OutputFormat.resolve(format), maximum: maximum, progressNoun: all ? "conversations" : nil)
            try await listing.run { listing in
                try await client.withClient { client in
                    for try await page in client.searchPages(search) {
                        guard listing.take(page.conversations) else { break }
                    }
                }
            }
        }
    }
}
