/// A location's own kind of message a contact may subscribe to or not (HighLevel's "custom subtype", CONTRACT.md
/// §5.3): a newsletter, reminders. A send names one with `customSubtypeId`.
public struct CustomSubtype: Sendable, Hashable {
    public enum Channel: String, Sendable, Hashable, CaseIterable {
        case email, sms
    }

    public var id: String
    public var locationId: LocationID
    public var name: String
    public var description: String?
    public var channel: Channel
    public var language: String
    public var archived: Bool
    public var resubscriptionLegalFormId: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, locationId: LocationID, name: String, description: String?, channel: Channel, language: String,
        archived: Bool = false, resubscriptionLegalFormId: String? = nil, createdAt: Timestamp, updatedAt: Timestamp? = nil
    ) {
        self.id = id
        self.locationId = locationId
        self.name = name
        self.description = description
        self.channel = channel
        self.language = language
        self.archived = archived
        self.resubscriptionLegalFormId = resubscriptionLegalFormId
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// What a subscription is to: HighLevel's one default kind, one-on-one email (what the conversations API sends), or
/// a custom subtype.
public enum SubscriptionTopic: Sendable, Hashable {
    case oneOnOne
    case custom(String)

    /// The default subtype's name, as HighLevel's `subscription_action.subtype_name` spells it.
    public static let oneOnOneName = "One on One"

    /// How the store keys it: `one_on_one`, or `custom:` and the subtype's id.
    public var storedKey: String {
        switch self {
        case .oneOnOne: "one_on_one"
        case .custom(let id): "custom:" + id
        }
    }

    public init?(storedKey: String) {
        if storedKey == "one_on_one" {
            self = .oneOnOne
        } else if storedKey.hasPrefix("custom:") {
            self = .custom(String(storedKey.dropFirst("custom:".count)))
        } else {
            return nil
        }
    }
}

/// One contact address's choice for one topic. Only changes are stored: an address with no choice for a topic is
/// subscribed to it.
public struct SubscriptionChoice: Sendable, Hashable {
    public var locationId: LocationID
    public var contactId: ContactID
    /// The email address the choice was made for (HighLevel's changes name one), lowercased.
    public var email: String
    public var topic: SubscriptionTopic
    public var subscribed: Bool
    public var legalReason: String?
    public var legalDescription: String?
    public var updatedAt: Timestamp

    public init(
        locationId: LocationID, contactId: ContactID, email: String, topic: SubscriptionTopic, subscribed: Bool,
        legalReason: String? = nil, legalDescription: String? = nil, updatedAt: Timestamp
    ) {
        self.locationId = locationId
        self.contactId = contactId
        self.email = email.lowercased()
        self.topic = topic
        self.subscribed = subscribed
        self.legalReason = legalReason
        self.legalDescription = legalDescription
        self.updatedAt = updatedAt
    }
}

/// Whether a send may go: the rules a send meets against a contact's choices.
public enum SendPermission {
    /// The topic a send is refused for, if any: a send naming a custom subtype whose contact unsubscribed from it (an
    /// email subtype at the address sent to, an SMS subtype at any of the contact's addresses), or an email naming
    /// none (a one-on-one email) to an address unsubscribed from one-on-one email.
    public static func refusal(
        emailTo address: String?, subtype: CustomSubtype?, among choices: [SubscriptionChoice]
    ) -> SubscriptionTopic? {
        let address = address?.lowercased()
        let topic = subtype.map { SubscriptionTopic.custom($0.id) } ?? .oneOnOne
        if subtype == nil && address == nil { return nil }
        let refused = choices.contains { choice in
            choice.topic == topic && !choice.subscribed && (subtype?.channel == .sms || choice.email == address)
        }
        return refused ? topic : nil
    }
}
