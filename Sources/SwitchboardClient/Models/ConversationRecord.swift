public import SwitchboardCore

/// A conversation as any of the conversation endpoints return it. They return different subsets (search adds the
/// contact's name, email and phone; get adds `inbox` and the numeric `type`), so every field but the ids is optional.
public struct ConversationRecord: Sendable, Hashable, Identifiable {
    public var id: ConversationID
    public var locationId: LocationID?
    public var contactId: ContactID?
    public var assignedTo: String?
    public var userId: String?
    public var dateAdded: Timestamp?
    public var dateUpdated: Timestamp?
    public var deleted: Bool?
    public var inbox: Bool?
    public var starred: Bool?
    public var unreadCount: Int?
    public var lastMessageBody: String?
    /// Epoch milliseconds on the wire in search results: search pages continue from it (`startAfterDate`).
    public var lastMessageDate: Timestamp?
    public var lastMessageType: MessageKind?
    public var lastMessageDirection: OpenEnum<MessageDirection>?
    /// Get-conversation's numeric channel code (1 Phone, 2 Email, …).
    public var typeCode: Int?
    /// Search's channel name (`TYPE_PHONE`, `TYPE_EMAIL`, …).
    public var typeName: String?
    public var fullName: String?
    public var contactName: String?
    public var companyName: String?
    public var email: String?
    public var phone: String?
    /// The object exactly as received.
    public var json: RawJSONObject

    public init(json object: RawJSONObject) throws(ResponseShapeError) {
        guard let id = object.present("id")?.stringValue else {
            throw ResponseShapeError("conversation.id is missing or not a string")
        }
        func string(_ key: String) -> String? { object.present(key)?.stringValue }
        self.id = ConversationID(rawValue: id)
        locationId = string("locationId").map(LocationID.init(rawValue:))
        contactId = string("contactId").map(ContactID.init(rawValue:))
        assignedTo = string("assignedTo")
        userId = string("userId")
        dateAdded = object.present("dateAdded").flatMap(Timestamp.init(lenient:))
        dateUpdated = object.present("dateUpdated").flatMap(Timestamp.init(lenient:))
        deleted = object.present("deleted")?.boolValue
        inbox = object.present("inbox")?.boolValue
        starred = object.present("starred")?.boolValue
        unreadCount = object.present("unreadCount")?.intValue
        lastMessageBody = string("lastMessageBody")
        lastMessageDate = object.present("lastMessageDate").flatMap(Timestamp.init(lenient:))
        lastMessageType = string("lastMessageType").map(MessageKind.init(rawValue:))
        lastMessageDirection = string("lastMessageDirection").map(OpenEnum<MessageDirection>.init(rawValue:))
        switch object.present("type") {
        case .number(let text)?: typeCode = Int(text)
        case .string(let text)?: typeName = text
        default: break
        }
        fullName = string("fullName")
        contactName = string("contactName")
        companyName = string("companyName")
        email = string("email")
        phone = string("phone")
        json = object
    }

    /// Reads `{"conversation":{…}}` (create, update; some servers for get) or a bare conversation (get, per spec).
    init(body: RawJSONObject) throws(ResponseShapeError) {
        if body.present("id") == nil, let wrapped = body.present("conversation")?.objectValue {
            try self.init(json: wrapped)
        } else {
            try self.init(json: body)
        }
    }
}

/// One page of `GET /conversations/search`.
public struct ConversationSearchPage: Sendable, Hashable {
    public var conversations: [ConversationRecord]
    /// Every conversation matching the filters, ignoring the cursor and the limit.
    public var total: Int?
    public var traceId: String?

    public init(json body: RawJSONObject) throws(ResponseShapeError) {
        guard let items = body.present("conversations")?.arrayValue ?? (body.present("conversations") == nil ? [] : nil)
        else { throw ResponseShapeError("`conversations` is not a list") }
        var conversations: [ConversationRecord] = []
        for item in items {
            guard let object = item.objectValue else { throw ResponseShapeError("a conversation is not an object") }
            conversations.append(try ConversationRecord(json: object))
        }
        self.conversations = conversations
        total = body.present("total")?.intValue
        traceId = body.present("traceId")?.stringValue
    }
}

/// The filters of `GET /conversations/search` (CONTRACT.md §5.1). Nil leaves a filter out.
public struct ConversationSearch: Sendable, Hashable {
    /// HighLevel requires it; a Switchboard server takes the token's location when it is left out.
    public var locationId: LocationID?
    public var contactId: ContactID?
    /// Free text: the contact's name, email or phone.
    public var query: String?
    /// `all`, `read`, `unread`, `starred`, `recents`.
    public var status: String?
    public var lastMessageType: MessageType?
    public var lastMessageDirection: MessageDirection?
    public var assignedTo: String?
    /// `asc` or `desc`.
    public var sort: String?
    /// `last_message_date`, `last_manual_message_date`, …
    public var sortBy: String?
    /// Page size (HighLevel's default is 20).
    public var limit: Int?
    /// Continue after the conversation whose `lastMessageDate` (epoch ms) this is; paging sets it.
    public var startAfterDate: Int64?

    public init(
        locationId: LocationID? = nil, contactId: ContactID? = nil, query: String? = nil, status: String? = nil,
        lastMessageType: MessageType? = nil, lastMessageDirection: MessageDirection? = nil, assignedTo: String? = nil,
        sort: String? = nil, sortBy: String? = nil, limit: Int? = nil, startAfterDate: Int64? = nil
    ) {
        self.locationId = locationId
        self.contactId = contactId
        self.query = query
        self.status = status
        self.lastMessageType = lastMessageType
        self.lastMessageDirection = lastMessageDirection
        self.assignedTo = assignedTo
        self.sort = sort
        self.sortBy = sortBy
        self.limit = limit
        self.startAfterDate = startAfterDate
    }

    var queryItems: QueryItems {
        var items = QueryItems()
        items.add("locationId", locationId?.rawValue)
        items.add("contactId", contactId?.rawValue)
        items.add("query", query)
        items.add("status", status)
        items.add("lastMessageType", lastMessageType?.rawValue)
        items.add("lastMessageDirection", lastMessageDirection?.rawValue)
        items.add("assignedTo", assignedTo)
        items.add("sort", sort)
        items.add("sortBy", sortBy)
        items.add("limit", limit)
        items.add("startAfterDate", startAfterDate.map(String.init))
        return items
    }
}

/// The changes `PUT /conversations/{conversationId}` can make; nil leaves a field as it is.
public struct ConversationUpdate: Sendable, Hashable, Encodable {
    public var locationId: LocationID
    public var unreadCount: Int?
    public var starred: Bool?
    /// v3 takes `positive` or `negative`.
    public var feedback: String?

    public init(locationId: LocationID, unreadCount: Int? = nil, starred: Bool? = nil, feedback: String? = nil) {
        self.locationId = locationId
        self.unreadCount = unreadCount
        self.starred = starred
        self.feedback = feedback
    }
}
