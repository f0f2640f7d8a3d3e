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
    /// In the order they were added, each once.
    public var tags: [String] = []
    /// Do not disturb on every channel.
    public var dnd = false
    /// Do not disturb per channel.
    public var dndSettings: [DndChannel: DndSetting] = [:]

    public init(
        id: ContactID, locationId: LocationID, firstName: String? = nil, lastName: String? = nil, name: String? = nil,
        email: String? = nil, phone: String? = nil, companyName: String? = nil, dateAdded: Timestamp,
        dateUpdated: Timestamp? = nil, tags: [String] = [], dnd: Bool = false,
        dndSettings: [DndChannel: DndSetting] = [:]
    ) {
        self.tags = tags
        self.dnd = dnd
        self.dndSettings = dndSettings
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
        json.key("tags"); json.stringArray(tags)
        json.key("dnd"); json.bool(dnd)
        if !dndSettings.isEmpty {
            json.key("dndSettings")
            json.beginObject()
            for channel in DndChannel.allCases {
                guard let setting = dndSettings[channel] else { continue }
                json.dynamicKey(channel.rawValue)
                json.beginObject()
                json.key("status"); json.string(setting.status.rawValue)
                if let message = setting.message { json.key("message"); json.string(message) }
                if let code = setting.code { json.key("code"); json.string(code) }
                json.endObject()
            }
            json.endObject()
        }
        json.key("dateAdded"); json.timestamp(dateAdded)
        json.key("dateUpdated"); json.timestamp(dateUpdated)
        json.endObject()
    }
}

/// The channels HighLevel's `dndSettings` names.
public enum DndChannel: String, Sendable, Hashable, CaseIterable, Codable {
    case call = "Call", email = "Email", sms = "SMS", whatsApp = "WhatsApp", gmb = "GMB", facebook = "FB"

    /// The channel a message of this type goes out on; nil for types DND does not cover (live chat, comments).
    public init?(sending type: MessageType) {
        switch type {
        case .sms, .customSMS, .rcs: self = .sms
        case .email, .customEmail: self = .email
        case .call, .customCall: self = .call
        case .whatsapp: self = .whatsApp
        case .gmb: self = .gmb
        case .facebook, .instagram: self = .facebook
        default: return nil
        }
    }
}

/// One channel's do-not-disturb state: `active` and `permanent` refuse sends, `inactive` does not.
public struct DndSetting: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case active, inactive, permanent
    }

    public var status: Status
    public var message: String?
    public var code: String?

    public init(status: Status, message: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.code = code
    }
}

extension Contact {
    /// Whether do-not-disturb refuses a send on `channel`: `dnd` for every channel, or the channel's own setting.
    public func refusesSends(on channel: DndChannel) -> Bool {
        dnd || dndSettings[channel].map { $0.status != .inactive } == true
    }
}
