public import SwitchboardCore

/// The filters of `GET /conversations/messages/export` (CONTRACT.md §5.2). Nil leaves a filter out.
public struct MessageExportFilter: Sendable, Hashable {
    /// HighLevel requires it; a Switchboard server takes the token's location when it is left out.
    public var locationId: LocationID?
    public var conversationId: ConversationID?
    public var contactId: ContactID?
    /// `Call`, `SMS`, `Email`, `WhatsApp`, `Instagram`, `Facebook`.
    public var channel: String?
    /// `createdAt` (default) or `updatedAt`.
    public var sortBy: String?
    /// `asc` or `desc` (default).
    public var sortOrder: String?
    public var startDate: Timestamp?
    public var endDate: Timestamp?
    /// Page size, 10 to 500 (HighLevel's default is 100).
    public var limit: Int?

    public init(
        locationId: LocationID? = nil, conversationId: ConversationID? = nil, contactId: ContactID? = nil,
        channel: String? = nil, sortBy: String? = nil, sortOrder: String? = nil, startDate: Timestamp? = nil,
        endDate: Timestamp? = nil, limit: Int? = nil
    ) {
        self.locationId = locationId
        self.conversationId = conversationId
        self.contactId = contactId
        self.channel = channel
        self.sortBy = sortBy
        self.sortOrder = sortOrder
        self.startDate = startDate
        self.endDate = endDate
        self.limit = limit
    }

    func queryItems(cursor: String?) -> QueryItems {
        var items = QueryItems()
        items.add("locationId", locationId?.rawValue)
        items.add("limit", limit)
        items.add("cursor", cursor)
        items.add("sortBy", sortBy)
        items.add("sortOrder", sortOrder)
        items.add("conversationId", conversationId?.rawValue)
        items.add("contactId", contactId?.rawValue)
        items.add("channel", channel)
        items.add("startDate", startDate?.iso8601)
        items.add("endDate", endDate?.iso8601)
        return items
    }
}

/// The contact fields conversations show, for `POST /contacts/` and `POST /contacts/upsert`.
public struct ContactFields: Sendable, Hashable, Encodable {
    public var locationId: LocationID
    public var firstName: String?
    public var lastName: String?
    public var name: String?
    public var email: String?
    public var phone: String?
    public var companyName: String?
    public var source: String?

    public init(
        locationId: LocationID, firstName: String? = nil, lastName: String? = nil, name: String? = nil,
        email: String? = nil, phone: String? = nil, companyName: String? = nil, source: String? = nil
    ) {
        self.locationId = locationId
        self.firstName = firstName
        self.lastName = lastName
        self.name = name
        self.email = email
        self.phone = phone
        self.companyName = companyName
        self.source = source
    }
}

/// A contact as the contacts endpoints return it; fields beyond these are kept in `json`.
public struct ContactRecord: Sendable, Hashable, Identifiable {
    public var id: ContactID
    public var locationId: LocationID?
    public var firstName: String?
    public var lastName: String?
    public var name: String?
    public var email: String?
    public var phone: String?
    public var companyName: String?
    public var source: String?
    public var dateAdded: Timestamp?
    public var dateUpdated: Timestamp?
    public var json: RawJSONObject

    public init(json object: RawJSONObject) throws(ResponseShapeError) {
        guard let id = object.present("id")?.stringValue else {
            throw ResponseShapeError("contact.id is missing or not a string")
        }
        func string(_ key: String) -> String? { object.present(key)?.stringValue }
        self.id = ContactID(rawValue: id)
        locationId = string("locationId").map(LocationID.init(rawValue:))
        firstName = string("firstName")
        lastName = string("lastName")
        name = string("name") ?? string("contactName")
        email = string("email")
        phone = string("phone")
        companyName = string("companyName")
        source = string("source")
        dateAdded = object.present("dateAdded").flatMap(Timestamp.init(lenient:))
        dateUpdated = object.present("dateUpdated").flatMap(Timestamp.init(lenient:))
        json = object
    }

    /// `{"contact":{…}}` as the contacts service wraps it, or a bare contact.
    init(body: RawJSONObject) throws(ResponseShapeError) {
        if body.present("id") == nil, let wrapped = body.present("contact")?.objectValue {
            try self.init(json: wrapped)
        } else {
            try self.init(json: body)
        }
    }
}

/// The answer to `POST /contacts/upsert`.
public struct UpsertedContact: Sendable, Hashable {
    /// True when no contact matched and one was created.
    public var isNew: Bool
    public var contact: ContactRecord
    public var traceId: String?

    public init(json body: RawJSONObject) throws(ResponseShapeError) {
        isNew = body.present("new")?.boolValue ?? false
        contact = try ContactRecord(body: body)
        traceId = body.present("traceId")?.stringValue
    }
}
