public import Logging
public import SwitchboardCore

/// The preferences room of the store: a location's custom subtypes, and its contacts' subscription choices
/// (CONTRACT.md §5.3). Subtypes are the location's configuration (a data reset keeps them); choices belong to
/// contacts and go with them.
public protocol PreferencesStore: Sendable {
    /// Throws `StoreError.duplicate` when the id is taken.
    func createSubtype(_ subtype: CustomSubtype, logger: Logger) async throws
    /// The location's subtypes, oldest first.
    func subtypes(in location: LocationID, logger: Logger) async throws -> [CustomSubtype]
    func subtype(_ id: String, in location: LocationID, logger: Logger) async throws -> CustomSubtype?
    /// Which location a subtype belongs to, if any (another location's is a 403).
    func locationOfSubtype(_ id: String, logger: Logger) async throws -> LocationID?
    /// Replaces every stored field of an existing subtype.
    func updateSubtype(_ subtype: CustomSubtype, logger: Logger) async throws
    /// Stores the choice, replacing the address's earlier one for the same topic.
    func recordChoice(_ choice: SubscriptionChoice, logger: Logger) async throws
    /// Subscribes the address to every topic it has a choice for, with the reason given.
    func resubscribeAll(
        contact: ContactID, email: String, in location: LocationID, legalReason: String?, legalDescription: String?,
        at time: Timestamp, logger: Logger
    ) async throws
    /// The contact's choices, for one address or (nil) all of them, by address then topic.
    func choices(of contact: ContactID, email: String?, in location: LocationID, logger: Logger) async throws
        -> [SubscriptionChoice]
}

public enum CustomSubtypeColumn: String, StoredColumns {
    case id, locationId = "location_id", name, description, channel, language, archived
    case resubscriptionLegalFormId = "resubscription_legal_form_id", createdAt = "created_at", updatedAt = "updated_at"
}

public enum SubscriptionChoiceColumn: String, StoredColumns {
    case locationId = "location_id", contactId = "contact_id", email, topic, subscribed
    case legalReason = "legal_reason", legalDescription = "legal_description", updatedAt = "updated_at"
}

extension StoredRow {
    /// `CustomSubtypeColumn` order.
    public static func subtype(_ row: inout some StoredRowReader) throws -> CustomSubtype {
        let id = try row.text()
        let location = LocationID(rawValue: try row.text())
        let name = try row.text()
        let description = try row.optionalText()
        let channelName = try row.text()
        guard let channel = CustomSubtype.Channel(rawValue: channelName) else {
            throw StoreError.corruptRow("custom subtype \(id) has an unknown channel \(channelName)")
        }
        return CustomSubtype(
            id: id, locationId: location, name: name, description: description, channel: channel,
            language: try row.text(), archived: try row.flag(), resubscriptionLegalFormId: try row.optionalText(),
            createdAt: try row.timestamp(), updatedAt: try row.timestamp())
    }

    /// `SubscriptionChoiceColumn` order.
    public static func choice(_ row: inout some StoredRowReader) throws -> SubscriptionChoice {
        let location = LocationID(rawValue: try row.text())
        let contact = ContactID(rawValue: try row.text())
        let email = try row.text()
        let key = try row.text()
        guard let topic = SubscriptionTopic(storedKey: key) else {
            throw StoreError.corruptRow("subscription choice of \(contact.rawValue) has an unknown topic \(key)")
        }
        return SubscriptionChoice(
            locationId: location, contactId: contact, email: email, topic: topic, subscribed: try row.flag(),
            legalReason: try row.optionalText(), legalDescription: try row.optionalText(), updatedAt: try row.timestamp())
    }
}
