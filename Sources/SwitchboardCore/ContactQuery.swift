/// Which contacts a list or a search wants: the location's, matching `text` anywhere and every filter, ordered
/// oldest first (by `dateAdded`, then id), from after `after` or past the first `offset`, at most `limit`.
public struct ContactQuery: Sendable {
    public var location: LocationID
    /// A part of the name, first or last name, email, phone or company, in any case.
    public var text: String?
    /// All must hold.
    public var filters: [ContactFilter]
    public var after: ContactCursor?
    public var offset: Int
    public var limit: Int

    public init(
        location: LocationID, text: String? = nil, filters: [ContactFilter] = [], after: ContactCursor? = nil,
        offset: Int = 0, limit: Int
    ) {
        self.location = location
        self.text = text?.isEmpty == true ? nil : text
        self.filters = filters
        self.after = after
        self.offset = offset
        self.limit = limit
    }
}

/// Where a page of contacts ends: the last contact's `dateAdded` and id.
public struct ContactCursor: Sendable, Hashable {
    public var date: Timestamp
    public var id: ContactID

    public init(date: Timestamp, id: ContactID) {
        self.date = date
        self.id = id
    }
}

/// One condition of HighLevel's contact search (`{field, operator, value}`), compared without regard to the case of
/// ASCII letters.
public struct ContactFilter: Sendable, Hashable {
    public enum Field: String, Sendable, CaseIterable {
        case firstName, lastName, name, email, phone, companyName
        /// The contact's tags: the operators ask about each tag (`eq`: has this tag; `contains`: a tag contains the
        /// value; `exists`: has a tag), and the negated ones about every tag.
        case tags

        /// HighLevel's search names these fields in lower case (`firstNameLowerCase`) as well.
        /// The names a refusal lists (the switch below also takes HighLevel's other spellings of them).
        public static let listedNames = [
            "firstNameLowerCase", "lastNameLowerCase", "firstName", "lastName", "name", "email", "phone", "companyName",
            "tags",
        ]

        public init?(searchName: String) {
            switch searchName {
            case "firstName", "firstNameLowerCase", "first_name_lower_case": self = .firstName
            case "lastName", "lastNameLowerCase", "last_name_lower_case": self = .lastName
            case "name", "fullNameLowerCase", "contactName": self = .name
            case "email": self = .email
            case "phone": self = .phone
            case "companyName", "businessName": self = .companyName
            case "tags": self = .tags
            default: return nil
            }
        }
    }

    public enum Operator: String, Sendable, CaseIterable {
        case equals = "eq", notEquals = "not_eq", contains, notContains = "not_contains", exists
        case notExists = "not_exists"

        /// Whether the operator compares with a value (the others only ask whether the field has one).
        public var takesValue: Bool { self != .exists && self != .notExists }
    }

    public var field: Field
    public var `operator`: Operator
    /// Empty for `exists` and `not_exists`.
    public var value: String

    public init(field: Field, operator: Operator, value: String = "") {
        self.field = field
        self.operator = `operator`
        self.value = value
    }
}
