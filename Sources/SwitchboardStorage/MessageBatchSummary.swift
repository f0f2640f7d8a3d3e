import Foundation
public import SwitchboardCore

/// A conversation as both backends key their batch writes: by location, then id.
public struct ConversationKey: Hashable, Sendable {
    public var location: LocationID
    public var conversation: ConversationID

    public init(_ message: Message) {
        location = message.locationId
        conversation = message.conversationId
    }

    public init(location: LocationID, conversation: ConversationID) {
        self.location = location
        self.conversation = conversation
    }
}

/// How a batch of new messages moves one conversation's summary. It keeps only what the conversation row takes from
/// them, so a bulk load can hold one for every conversation it writes. Both backends apply it the same way.
public struct ConversationSummaryChange: Sendable {
    /// The newest message by (dateAdded, id), the order the page uses.
    public struct Newest: Sendable {
        public var id: MessageID
        public var dateAdded: Timestamp
        public var contactId: ContactID
        public var messageType: MessageType
        public var direction: MessageDirection?
        public var body: String?

        init(_ message: Message) {
            id = message.id
            dateAdded = message.dateAdded
            contactId = message.contactId
            messageType = message.messageType
            direction = message.direction
            body = message.body
        }
    }

    public private(set) var newest: Newest
    /// The oldest message's date: a conversation created by the batch was created then.
    public private(set) var oldestDate: Timestamp
    public private(set) var inboundCount = 0

    public init(first: Message) {
        newest = Newest(first)
        oldestDate = first.dateAdded
    }

    /// The change these messages make to each conversation they are in.
    public static func perConversation(_ messages: [Message]) -> [ConversationKey: ConversationSummaryChange] {
        var changes: [ConversationKey: ConversationSummaryChange] = [:]
        for message in messages {
            changes[ConversationKey(message), default: ConversationSummaryChange(first: message)].add(message)
        }
        return changes
    }

    public mutating func add(_ message: Message) {
        if (message.dateAdded, message.id) > (newest.dateAdded, newest.id) { newest = Newest(message) }
        oldestDate = min(oldestDate, message.dateAdded)
        if message.direction == .inbound { inboundCount += 1 }
    }

    /// Adds a later batch's change to the same conversation.
    public mutating func add(_ later: ConversationSummaryChange) {
        if (later.newest.dateAdded, later.newest.id) > (newest.dateAdded, newest.id) { newest = later.newest }
        oldestDate = min(oldestDate, later.oldestDate)
        inboundCount += later.inboundCount
    }
}
