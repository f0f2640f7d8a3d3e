/// The part of a HighLevel contact that conversations show: names, email, phone, company.
public struct Contact: Sendable, Hashable {
    public var id: ContactID
    public var locationId: LocationID
    public var firstName: String?
    public var lastName: String?
    /// The full name: as given, or first and last name joined.
    public var name: String?
    public var email: String?
    public var phone: String?
    public var companyName: String?
    public var dateAdded: Timestamp
    public var dateUpdated: Timestamp

    public init(
        id: ContactID, locationId: LocationID, firstName: String? = nil, lastName: String? = nil, name: String? = nil,
        email: String? = nil, phone: String? = nil, companyName: String? = nil, dateAdded: Timestamp,
        dateUpdated: Timestamp? = nil
    ) {
        self.id = id
        self.locationId = locationId
        self.firstName = firstName
        self.lastName = lastName
        self.name = name
        self.email = email
        self.phone = phone
        self.companyName = companyName
        self.dateAdded = dateAdded
        self.dateUpdated = dateUpdated ?? dateAdded
    }

    /// What HighLevel shows as `fullName`/`contactName`.
    public var fullName: String? {
        if let name, !name.isEmpty { return name }
        let joined = [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        return joined.isEmpty ? nil : joined
    }
}

extension Contact {
    /// The contact fields Switchboard keeps, named as HighLevel's contact DTOs name them.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.string(id.rawValue)
        json.key("locationId"); json.string(locationId.rawValue)
        if let name = fullName { json.key("name"); json.string(name) }
        if let firstName { json.key("firstName"); json.string(firstName) }
        if let lastName { json.key("lastName"); json.string(lastName) }
        if let email {
            json.key("email"); json.string(email)
            json.key("emailLowerCase"); json.string(email.lowercased())
        }
        if let phone { json.key("phone"); json.string(phone) }
        if let company = companyName { json.key("companyName"); json.string(company) }
        json.key("dateAdded"); json.timestamp(dateAdded)
        json.key("dateUpdated"); json.timestamp(dateUpdated)
        json.endObject()
    }
}
