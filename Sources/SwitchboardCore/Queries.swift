/// `GET /conversations/search` (CONTRACT.md §5.1).
public struct ConversationSearchQuery: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable { case all, read, unread, starred, recents }
    public enum SortOrder: String, Sendable, Hashable, CaseIterable { case asc, desc }

    public var locationId: LocationID
    public var contactId: ContactID?
    /// Matches the contact's name, email, phone and the last message body, case-insensitively.
    public var text: String?
    /// `text` up to its first NUL, as every text is stored and bound (SQLite's rule, kept on both backends).
    public var searchText: String? { text.map { String(StoredText.of($0)) } }
    public var status: Status
    public var lastMessageType: MessageType?
    public var lastMessageDirection: MessageDirection?
    public var sort: SortOrder
    /// Keyset cursor: the `lastMessageDate` (epoch milliseconds) of the previous page's last row.
    public var startAfterDate: Timestamp?
    public var limit: Int

    public init(
        locationId: LocationID, contactId: ContactID? = nil, text: String? = nil, status: Status = .all,
        lastMessageType: MessageType? = nil, lastMessageDirection: MessageDirection? = nil, sort: SortOrder = .desc,
        startAfterDate: Timestamp? = nil, limit: Int = 20
    ) {
        self.locationId = locationId
        self.contactId = contactId
        self.text = text
        self.status = status
        self.lastMessageType = lastMessageType
        self.lastMessageDirection = lastMessageDirection
        self.sort = sort
        self.startAfterDate = startAfterDate
        self.limit = limit
    }
}

/// A conversation with the contact fields HighLevel's search shows beside it.
public struct ConversationListing: Sendable, Hashable {
    public var conversation: Conversation
    public var contact: Contact?
    public init(conversation: Conversation, contact: Contact?) {
        self.conversation = conversation
        self.contact = contact
    }
}

public struct ConversationSearchResult: Sendable, Hashable {
    public var conversations: [ConversationListing]
    /// Every conversation matching the filters, ignoring the cursor and the limit.
    public var total: Int
    public init(conversations: [ConversationListing], total: Int) {
        self.conversations = conversations
        self.total = total
    }
}

/// Changes `PUT /conversations/{conversationId}` can make; nil leaves a field as it is.
public struct ConversationChanges: Sendable, Hashable {
    public var unreadCount: Int?
    public var starred: Bool?
    public var feedback: String?
    public init(unreadCount: Int? = nil, starred: Bool? = nil, feedback: String? = nil) {
        self.unreadCount = unreadCount
        self.starred = starred
        self.feedback = feedback
    }
}

/// `GET /conversations/messages/export` (CONTRACT.md §5.2).
public struct MessageExportQuery: Sendable, Hashable {
    public enum SortField: String, Sendable, Hashable, CaseIterable { case createdAt, updatedAt }

    public var locationId: LocationID
    public var limit: Int
    /// Opaque: the position after which this page starts, as returned in `nextCursor`.
    public var cursor: ExportCursor?
    public var sortBy: SortField
    public var sortOrder: ConversationSearchQuery.SortOrder
    public var conversationId: ConversationID?
    public var contactId: ContactID?
    /// Exactly these types (the server turns `channel` into this list; nil selects every type).
    public var types: [MessageType]?
    public var startDate: Timestamp?
    public var endDate: Timestamp?

    public init(
        locationId: LocationID, limit: Int = 100, cursor: ExportCursor? = nil, sortBy: SortField = .createdAt,
        sortOrder: ConversationSearchQuery.SortOrder = .desc, conversationId: ConversationID? = nil,
        contactId: ContactID? = nil, types: [MessageType]? = nil, startDate: Timestamp? = nil,
        endDate: Timestamp? = nil
    ) {
        self.locationId = locationId
        self.limit = limit
        self.cursor = cursor
        self.sortBy = sortBy
        self.sortOrder = sortOrder
        self.conversationId = conversationId
        self.contactId = contactId
        self.types = types
        self.startDate = startDate
        self.endDate = endDate
    }
}

/// The export's keyset position: the sort value and id of the last message served.
public struct ExportCursor: Sendable, Hashable {
    public var date: Timestamp
    public var id: MessageID
    /// The export's total, counted on its first page and carried from page to page, so a whole export counts the
    /// location's messages once rather than once per page.
    public var total: Int?

    public init(date: Timestamp, id: MessageID, total: Int? = nil) {
        self.date = date
        self.id = id
        self.total = total
    }

    /// `<epoch ms>.<total>_<message id>` (or `<epoch ms>_<message id>`): readable, and nothing a client needs to
    /// build itself.
    public var token: String { "\(date.rawValue)\(total.map { ".\($0)" } ?? "")_\(id.rawValue)" }

    public init?(token: String) {
        guard let separator = token.firstIndex(of: "_") else { return nil }
        let position = token[..<separator].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let milliseconds = Int64(position[0]) else { return nil }
        var total: Int?
        if position.count == 2 {
            guard let counted = Int(position[1]), counted >= 0 else { return nil }
            total = counted
        }
        let id = MessageID(rawValue: String(token[token.index(after: separator)...]))
        guard id.isPlausible else { return nil }
        self.init(date: Timestamp(rawValue: milliseconds), id: id, total: total)
    }
}

public struct MessageExportPage: Sendable, Hashable {
    public var messages: [Message]
    public var nextCursor: ExportCursor?
    public var total: Int
    public init(messages: [Message], nextCursor: ExportCursor?, total: Int) {
        self.messages = messages
        self.nextCursor = nextCursor
        self.total = total
    }
}
