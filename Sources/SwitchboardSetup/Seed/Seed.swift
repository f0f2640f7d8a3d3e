public import SwitchboardCore

/// A seed file: the state a server starts from (`serve --seed-file`) and goes back to on every reset, so a test
/// suite's fixtures are versioned with its tests. One JSON document:
///
/// `{"locations":[{"id","name","tokens":[{"token":"pit-…","scopes":[…]}]}],"contacts":[…],"conversations":[…],
/// "messages":[…]}`, contacts, conversations and messages in the shapes the API serves them
/// (`switchboard export-seed` writes one).
public struct Seed: Sendable, Hashable {
    public struct SeedLocation: Sendable, Hashable {
        public var id: LocationID
        public var name: String
        public var tokens: [SeedToken]
    }

    /// A private integration token with a fixed value (every scope when the file names none).
    public struct SeedToken: Sendable, Hashable {
        public var token: String
        public var scopes: Set<Scope>
    }

    public struct SeedConversation: Sendable, Hashable {
        public var conversation: Conversation
        /// As the file gives it; nil: counted from the inbound messages, as sending them through the API would.
        public var unreadCount: Int?
    }

    public var locations: [SeedLocation] = []
    public var contacts: [Contact] = []
    public var conversations: [SeedConversation] = []
    public var messages: [Message] = []

    public init() {}

    /// What it holds, for the start line: `1 location, 2 tokens, 3 contacts, 3 conversations, 12 messages`.
    public var summary: String {
        let tokens = locations.reduce(0) { $0 + $1.tokens.count }
        return [
            (locations.count, "location"), (tokens, "token"), (contacts.count, "contact"),
            (conversations.count, "conversation"), (messages.count, "message"),
        ].map { count, noun in "\(count) \(noun)\(count == 1 ? "" : "s")" }.joined(separator: ", ")
    }
}

/// Why a seed file cannot be loaded: the line of the object at fault and what is wrong with it.
public struct SeedError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
