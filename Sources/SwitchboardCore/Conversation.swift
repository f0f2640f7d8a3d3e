/// A location (HighLevel "sub-account"): every conversation, contact and token belongs to one.
public struct Location: Sendable, Hashable, Codable {
    public var id: LocationID
    public var name: String
    public var dateAdded: Timestamp

    public init(id: LocationID, name: String, dateAdded: Timestamp) {
        self.id = id
        self.name = name
        self.dateAdded = dateAdded
    }
}

/// The summary of a conversation: one per contact and location.
public struct Conversation: Sendable, Hashable {
    public var id: ConversationID
    public var locationId: LocationID
    public var contactId: ContactID
    public var dateAdded: Timestamp
    public var dateUpdated: Timestamp
    public var unreadCount: Int
    public var starred: Bool
    public var deleted: Bool
    public var lastMessageBody: String?
    public var lastMessageType: MessageType?
    public var lastMessageDate: Timestamp?
    public var lastMessageDirection: MessageDirection?

    public init(
        id: ConversationID, locationId: LocationID, contactId: ContactID, dateAdded: Timestamp,
        dateUpdated: Timestamp? = nil, unreadCount: Int = 0, starred: Bool = false, deleted: Bool = false,
        lastMessageBody: String? = nil, lastMessageType: MessageType? = nil, lastMessageDate: Timestamp? = nil,
        lastMessageDirection: MessageDirection? = nil
    ) {
        self.id = id
        self.locationId = locationId
        self.contactId = contactId
        self.dateAdded = dateAdded
        self.dateUpdated = dateUpdated ?? dateAdded
        self.unreadCount = unreadCount
        self.starred = starred
        self.deleted = deleted
        self.lastMessageBody = lastMessageBody
        self.lastMessageType = lastMessageType
        self.lastMessageDate = lastMessageDate
        self.lastMessageDirection = lastMessageDirection
    }
}
