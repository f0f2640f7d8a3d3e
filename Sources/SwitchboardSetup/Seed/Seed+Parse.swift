import Foundation
public import SwitchboardCore
import SwitchboardStorage

extension Seed {
    /// The largest seed file read: fixtures, not a data set (`import` loads those).
    public static let maximumBytes = 64 << 20

    /// Reads a seed file, refusing the first thing wrong in it with its line: a syntax error, an unknown field, a
    /// duplicate id, a reference to a location, contact or conversation the file does not hold. Missing dates are
    /// `now`.
    public static func parse(_ bytes: [UInt8], now: Timestamp) throws(SeedError) -> Seed {
        guard bytes.count <= maximumBytes else {
            throw SeedError(line: 1, message: "a seed file may hold at most \(maximumBytes >> 20) MB; use import for data sets")
        }
        var reader = SeedReader(spans: JSONSpans(bytes: bytes), now: now)
        return try reader.read()
    }
}

private struct SeedReader {
    let spans: JSONSpans
    let now: Timestamp
    var seed = Seed()
    /// Where each id was first given, per section, to name both places of a duplicate.
    var places: [String: [String: String]] = [:]
    var locationIds: Set<LocationID> = []
    var contactLocations: [ContactID: LocationID] = [:]
    /// Each conversation's location and contact, and each contact's conversation: one per contact and location.
    var conversations: [ConversationID: (location: LocationID, contact: ContactID, place: String)] = [:]
    var conversationOfContact: [ContactID: ConversationID] = [:]
    var tokens: [String: String] = [:]
    var undated: Set<ConversationID> = []

    static let sections = ["locations", "contacts", "conversations", "messages"]
    static let locationFields: Set<String> = ["id", "name", "tokens"]
    static let tokenFields: Set<String> = ["token", "scopes"]
    static let contactFields: Set<String> = [
        "id", "locationId", "name", "firstName", "lastName", "email", "emailLowerCase", "phone", "companyName",
        "dateAdded", "dateUpdated", "tags", "dnd", "dndSettings",
    ]
    /// The fields of the conversation shapes the API serves; those that follow from the messages or the contact
    /// (`lastMessage…`, `fullName`, `type`, …) are accepted and recomputed.
    static let conversationFields: Set<String> = [
        "id", "locationId", "contactId", "unreadCount", "starred", "deleted", "inbox", "type", "lastMessageBody",
        "lastMessageType", "lastMessageDate", "lastMessageDirection", "dateAdded", "dateUpdated", "fullName",
        "contactName", "email", "phone", "companyName",
    ]
    static let messageFields: Set<String> = [
        "id", "direction", "status", "type", "locationId", "body", "contactId", "contentType", "conversationId",
        "dateAdded", "dateUpdated", "source", "userId", "altId", "attachments", "meta", "messageType",
        "conversationProviderId", "chatWidgetId",
    ]

    init(spans: JSONSpans, now: Timestamp) {
        self.spans = spans
        self.now = now
    }

    mutating func read() throws(SeedError) -> Seed {
        let bytes = spans.bytes
        let start = spans.skipSpace(from: 0)
        let members: [JSONSpans.Member]
        do throws(JSONSpans.Failure) {
            members = try spans.members(ofObject: start..<bytes.count)
            let end = try spans.valueEnd(from: start)
            let rest = spans.skipSpace(from: end)
            if rest < bytes.count { throw JSONSpans.Failure(offset: rest, message: "unexpected text after the document") }
        } catch {
            throw SeedError(line: spans.line(at: error.offset), message: error.message)
        }
        var sections: [String: JSONSpans.Member] = [:]
        for member in members {
            let line = spans.line(at: member.offset)
            guard Self.sections.contains(member.key) else {
                throw SeedError(
                    line: line,
                    message: "unknown field \"\(member.key)\": a seed file holds locations, contacts, conversations and messages")
            }
            guard sections.updateValue(member, forKey: member.key) == nil else {
                throw SeedError(line: line, message: "\"\(member.key)\" is given twice")
            }
        }
        // In the order they refer to each other, wherever they stand in the file.
        for name in Self.sections {
            guard let member = sections[name] else { continue }
            let elements: [Range<Int>]
            do {
                elements = try spans.elements(ofArray: member.value)
            } catch {
                throw SeedError(line: spans.line(at: error.offset), message: "\(name): \(error.message)")
            }
            for (index, range) in elements.enumerated() {
                let object = try SeedObject(spans: spans, range: range, path: "\(name)[\(index)]")
                switch name {
                case "locations": try location(object)
                case "contacts": try contact(object)
                case "conversations": try conversation(object)
                default: try message(object, range: range)
                }
            }
        }
        datingConversationsByTheirMessages()
        return seed
    }

    /// A conversation the file gives no dates is as old as its first message and as new as its last.
    private mutating func datingConversationsByTheirMessages() {
        var span: [ConversationID: (first: Timestamp, last: Timestamp)] = [:]
        for message in seed.messages {
            let known = span[message.conversationId]
            span[message.conversationId] = (
                min(known?.first ?? message.dateAdded, message.dateAdded),
                max(known?.last ?? message.dateAdded, message.dateAdded)
            )
        }
        for index in seed.conversations.indices where undated.contains(seed.conversations[index].conversation.id) {
            guard let (first, last) = span[seed.conversations[index].conversation.id] else { continue }
            seed.conversations[index].conversation.dateAdded = first
            seed.conversations[index].conversation.dateUpdated = last
        }
    }

    private mutating func location(_ object: SeedObject) throws(SeedError) {
        try object.onlyKnown(Self.locationFields)
        let id: LocationID = try object.identifier("id")
        try claim(id.rawValue, in: "locations", by: object)
        var tokens: [Seed.SeedToken] = []
        for (index, value) in try object.array("tokens").enumerated() {
            let path = "tokens[\(index)]"
            guard case .object(let fields) = value else { throw object.error("\(path) must be an object") }
            let token = SeedObject(fields: fields, path: object.path + "." + path, line: object.line)
            try token.onlyKnown(Self.tokenFields)
            let text = try token.requiredString("token")
            guard text.hasPrefix(PrivateIntegrationToken.prefix), (8...200).contains(text.utf8.count),
                text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                throw token.error("token must start with pit- and be 8 to 200 printable characters without spaces")
            }
            if let first = self.tokens[text] { throw token.error("this token is already given by \(first)") }
            self.tokens[text] = token.place
            tokens.append(Seed.SeedToken(token: text, scopes: try scopes(token)))
        }
        locationIds.insert(id)
        seed.locations.append(Seed.SeedLocation(id: id, name: try object.string("name") ?? id.rawValue, tokens: tokens))
    }

    private func scopes(_ token: SeedObject) throws(SeedError) -> Set<Scope> {
        guard token.fields["scopes"] != nil, token.fields["scopes"] != .null else { return Set(Scope.allCases) }
        var scopes: Set<Scope> = []
        for value in try token.array("scopes") {
            guard case .string(let name) = value, let scope = Scope(rawValue: name) else {
                let known = Scope.allCases.map(\.rawValue).joined(separator: ", ")
                throw token.error("unknown scope \(value.jsonText) (known: \(known))")
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { throw token.error("scopes must name at least one scope, or be left out for all") }
        return scopes
    }

    private mutating func contact(_ object: SeedObject) throws(SeedError) {
        try object.onlyKnown(Self.contactFields)
        let id: ContactID = try object.identifier("id")
        let location = try knownLocation(object)
        try claim(id.rawValue, in: "contacts", by: object)
        let added = try object.date("dateAdded") ?? now
        seed.contacts.append(
            Contact(
                id: id, locationId: location, firstName: try object.string("firstName"),
                lastName: try object.string("lastName"), name: try object.string("name"),
                email: try object.string("email"), phone: try object.string("phone"),
                companyName: try object.string("companyName"), dateAdded: added,
                dateUpdated: try object.date("dateUpdated") ?? added, tags: try object.strings("tags") ?? [],
                dnd: try object.bool("dnd") ?? false, dndSettings: try object.dndSettings("dndSettings")))
        contactLocations[id] = location
    }

    private mutating func conversation(_ object: SeedObject) throws(SeedError) {
        try object.onlyKnown(Self.conversationFields)
        let id: ConversationID = try object.identifier("id")
        let location = try knownLocation(object)
        let contact = try knownContact(object, in: location)
        try claim(id.rawValue, in: "conversations", by: object)
        if let other = conversationOfContact[contact], let place = conversations[other]?.place {
            throw object.error(
                "contact \(contact.rawValue) already has conversation \(other.rawValue) (\(place)): one per contact")
        }
        let unread = try object.integer("unreadCount")
        let added = try object.date("dateAdded") ?? now
        if object.fields["dateAdded"] == nil && object.fields["dateUpdated"] == nil { undated.insert(id) }
        seed.conversations.append(
            Seed.SeedConversation(
                conversation: Conversation(
                    id: id, locationId: location, contactId: contact, dateAdded: added,
                    dateUpdated: try object.date("dateUpdated") ?? added, unreadCount: unread ?? 0,
                    starred: try object.bool("starred") ?? false, deleted: try object.bool("deleted") ?? false),
                unreadCount: unread))
        conversations[id] = (location, contact, object.place)
        conversationOfContact[contact] = id
    }

    private mutating func message(_ object: SeedObject, range: Range<Int>) throws(SeedError) {
        try object.onlyKnown(Self.messageFields)
        let message: Message
        do {
            message = try JSONDecoder().decode(Message.self, from: Data(spans.bytes[range]))
        } catch let error as DecodingError {
            throw object.error(Self.explain(error))
        } catch {
            throw object.error("\(error)")
        }
        guard message.id.isPlausible else { throw object.error(SeedObject.identifierRule("id")) }
        let location = try knownLocation(object)
        let contact = try knownContact(object, in: location)
        try claim(message.id.rawValue, in: "messages", by: object)
        guard message.conversationId.isPlausible else { throw object.error(SeedObject.identifierRule("conversationId")) }
        if let known = conversations[message.conversationId] {
            guard known.location == location, known.contact == contact else {
                throw object.error(
                    "conversation \(message.conversationId.rawValue) (\(known.place)) is contact \(known.contact.rawValue)'s in \(known.location.rawValue), not this message's")
            }
        } else if let other = conversationOfContact[contact] {
            throw object.error(
                "contact \(contact.rawValue) already has conversation \(other.rawValue): one per contact")
        } else {
            // A conversation the file does not list is made by its first message, as an import makes it.
            conversations[message.conversationId] = (location, contact, object.place)
            conversationOfContact[contact] = message.conversationId
        }
        seed.messages.append(message)
    }

    private func knownLocation(_ object: SeedObject) throws(SeedError) -> LocationID {
        let location: LocationID = try object.identifier("locationId")
        guard locationIds.contains(location) else {
            throw object.error("locationId \(location.rawValue) is not one of the file's locations")
        }
        return location
    }

    private func knownContact(_ object: SeedObject, in location: LocationID) throws(SeedError) -> ContactID {
        let contact: ContactID = try object.identifier("contactId")
        guard let home = contactLocations[contact] else {
            throw object.error("contactId \(contact.rawValue) is not one of the file's contacts")
        }
        guard home == location else {
            throw object.error("contact \(contact.rawValue) belongs to location \(home.rawValue), not \(location.rawValue)")
        }
        return contact
    }

    private mutating func claim(_ id: String, in section: String, by object: SeedObject) throws(SeedError) {
        if let first = places[section]?[id] {
            throw object.error("id \(id) is already used by \(first)")
        }
        places[section, default: [:]][id] = object.place
    }

    private static func explain(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context): return "\(path(context.codingPath)) must not be null"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)) must be \(type)"
        case .dataCorrupted(let context):
            let at = path(context.codingPath)
            return at.isEmpty ? "not valid JSON" : "\(at): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// One object of a seed file, read field by field with errors that name it and its line.
private struct SeedObject {
    let fields: [String: JSONValue]
    let path: String
    let line: Int

    init(fields: [String: JSONValue], path: String, line: Int) {
        self.fields = fields
        self.path = path
        self.line = line
    }

    init(spans: JSONSpans, range: Range<Int>, path: String) throws(SeedError) {
        let line = spans.line(at: range.lowerBound)
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(spans.bytes[range]))
        } catch {
            throw SeedError(line: line, message: "\(path): not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw SeedError(line: line, message: "\(path) must be an object")
        }
        self.init(fields: fields, path: path, line: line)
    }

    /// "contacts[2] (line 14)".
    var place: String { "\(path) (line \(line))" }

    func error(_ message: String) -> SeedError { SeedError(line: line, message: "\(path): \(message)") }

    func onlyKnown(_ known: Set<String>) throws(SeedError) {
        if let unknown = fields.keys.filter({ !known.contains($0) }).sorted().first {
            throw error("unknown field \"\(unknown)\"")
        }
    }

    func string(_ key: String) throws(SeedError) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw error("\(key) must be a string")
        }
    }

    func strings(_ key: String) throws(SeedError) -> [String]? {
        switch fields[key] {
        case nil, .null?: return nil
        case .array(let values)?:
            var strings: [String] = []
            for case .string(let value) in values { strings.append(value) }
            guard strings.count == values.count else { throw error("each value in \(key) must be a string") }
            return strings
        default: throw error("\(key) must be an array of strings")
        }
    }

    /// `{"SMS":{"status":"active","message":…,"code":…},…}`, as a contact's `dndSettings` is served.
    func dndSettings(_ key: String) throws(SeedError) -> [DndChannel: DndSetting] {
        guard case .object(let channels)? = fields[key] else {
            if fields[key] == nil || fields[key] == .null { return [:] }
            throw error("\(key) must be an object")
        }
        var settings: [DndChannel: DndSetting] = [:]
        for (name, value) in channels {
            guard let channel = DndChannel(rawValue: name) else { throw error("\(key) has an unknown channel \"\(name)\"") }
            let setting = SeedObject(fields: value.objectFields ?? [:], path: "\(path).\(key).\(name)", line: line)
            guard value.objectFields != nil,
                let status = try setting.string("status").flatMap(DndSetting.Status.init(rawValue:))
            else { throw error("\(key).\(name).status must be active, inactive or permanent") }
            settings[channel] = DndSetting(
                status: status, message: try setting.string("message"), code: try setting.string("code"))
        }
        return settings
    }

    func requiredString(_ key: String) throws(SeedError) -> String {
        guard let value = try string(key) else { throw error("\(key) is missing") }
        return value
    }

    static func identifierRule(_ key: String) -> String { "\(key) must be 1 to 64 of A-Z, a-z, 0-9, _ and -" }

    func identifier<ID: StringIdentifier>(_ key: String) throws(SeedError) -> ID {
        let id = ID(rawValue: try requiredString(key))
        guard id.isPlausible else { throw error(Self.identifierRule(key)) }
        return id
    }

    func integer(_ key: String) throws(SeedError) -> Int? {
        switch fields[key] {
        case nil, .null?: return nil
        case .number(let value)? where value.rounded() == value && (0...1_000_000).contains(value): return Int(value)
        default: throw error("\(key) must be a whole number from 0 to 1000000")
        }
    }

    func bool(_ key: String) throws(SeedError) -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw error("\(key) must be true or false")
        }
    }

    /// An ISO-8601 date-time or epoch milliseconds, as the API's shapes give dates.
    func date(_ key: String) throws(SeedError) -> Timestamp? {
        let parsed: Timestamp?
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let text)?: parsed = Timestamp(iso8601: text)
        case .number(let value)? where value.rounded() == value: parsed = Timestamp(rawValue: Int64(exactly: value) ?? .min)
        default: parsed = nil
        }
        guard let parsed, parsed >= .earliest, parsed <= .latest else {
            throw error("\(key) must be an ISO-8601 date-time or epoch milliseconds")
        }
        return parsed
    }

    func array(_ key: String) throws(SeedError) -> [JSONValue] {
        switch fields[key] {
        case nil, .null?: return []
        case .array(let values)?: return values
        default: throw error("\(key) must be an array")
        }
    }
}

extension JSONValue {
    fileprivate var objectFields: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }
}
