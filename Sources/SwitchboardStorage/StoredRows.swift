public import SwitchboardCore

/// A stored row's cells, read left to right in the order of its table's `StoredColumns`. Each backend adapts its own
/// row type; the decoding below is written once for both, so a column added to a table is read in one place.
public protocol StoredRowReader {
    mutating func text() throws -> String
    mutating func optionalText() throws -> String?
    mutating func integer() throws -> Int64
    mutating func optionalInteger() throws -> Int64?
    mutating func flag() throws -> Bool
}

extension StoredRowReader {
    /// An integer that must fit `Int`; one that does not is a damaged row.
    mutating func int() throws -> Int {
        let value = try integer()
        guard let narrowed = Int(exactly: value) else { throw StoreError.corruptRow("\(value) does not fit an Int") }
        return narrowed
    }

    mutating func optionalInt() throws -> Int? {
        guard let value = try optionalInteger() else { return nil }
        guard let narrowed = Int(exactly: value) else { throw StoreError.corruptRow("\(value) does not fit an Int") }
        return narrowed
    }

    mutating func timestamp() throws -> Timestamp { Timestamp(rawValue: try integer()) }

    mutating func optionalTimestamp() throws -> Timestamp? { try optionalInteger().map(Timestamp.init(rawValue:)) }

    mutating func scopes() throws -> Set<Scope> { StoredToken.scopes(fromList: try text()) }
}

/// Rows to domain values, reading the columns in their `StoredColumns` order.
public enum StoredRow {
    /// `LocationColumn` order.
    public static func location(_ row: inout some StoredRowReader) throws -> Location {
        Location(id: LocationID(rawValue: try row.text()), name: try row.text(), dateAdded: try row.timestamp())
    }

    /// `TokenColumn` order.
    public static func token(_ row: inout some StoredRowReader) throws -> StoredToken {
        let location = LocationID(rawValue: try row.text())
        return StoredToken(
            id: try row.text(), hash: TokenHash(rawValue: try row.text()), locationId: location, name: try row.text(),
            scopes: try row.scopes(), createdAt: try row.timestamp(), revokedAt: try row.optionalTimestamp())
    }

    /// `ContactColumn` order.
    public static func contact(_ row: inout some StoredRowReader) throws -> Contact {
        let location = LocationID(rawValue: try row.text())
        return Contact(
            id: ContactID(rawValue: try row.text()), locationId: location, firstName: try row.optionalText(),
            lastName: try row.optionalText(), name: try row.optionalText(), email: try row.optionalText(),
            phone: try row.optionalText(), companyName: try row.optionalText(), dateAdded: try row.timestamp(),
            dateUpdated: try row.timestamp(), tags: StringListColumn.decode(try row.text()), dnd: try row.flag(),
            dndSettings: try DndSettingsColumn.decode(try row.optionalText()))
    }

    /// `ContactColumn` order, every cell NULL for a left join that found no contact.
    public static func optionalContact(_ row: inout some StoredRowReader) throws -> Contact? {
        let location = try row.optionalText()
        let id = try row.optionalText()
        guard let location, let id else {
            for _ in 2..<ContactColumn.count { _ = try row.optionalInteger() }
            return nil
        }
        return Contact(
            id: ContactID(rawValue: id), locationId: LocationID(rawValue: location), firstName: try row.optionalText(),
            lastName: try row.optionalText(), name: try row.optionalText(), email: try row.optionalText(),
            phone: try row.optionalText(), companyName: try row.optionalText(), dateAdded: try row.timestamp(),
            dateUpdated: try row.timestamp(), tags: StringListColumn.decode(try row.text()), dnd: try row.flag(),
            dndSettings: try DndSettingsColumn.decode(try row.optionalText()))
    }

    /// `ConversationColumn` order.
    public static func conversation(_ row: inout some StoredRowReader) throws -> Conversation {
        let location = LocationID(rawValue: try row.text())
        let id = ConversationID(rawValue: try row.text())
        return Conversation(
            id: id, locationId: location, contactId: ContactID(rawValue: try row.text()),
            dateAdded: try row.timestamp(), dateUpdated: try row.timestamp(), unreadCount: try row.int(),
            starred: try row.flag(), deleted: try row.flag(), lastMessageBody: try row.optionalText(),
            // An unknown stored code reads as "no type": the summary is advisory, the messages keep their own.
            lastMessageType: try row.optionalInt().flatMap(MessageType.init(code:)),
            lastMessageDate: try row.optionalTimestamp(),
            lastMessageDirection: try row.optionalText().flatMap(MessageDirection.init(rawValue:)))
    }

    /// `ConversationColumn` then `ContactColumn` order: a conversation and its contact, if it has one.
    public static func listing(_ row: inout some StoredRowReader) throws -> ConversationListing {
        let conversation = try conversation(&row)
        return ConversationListing(conversation: conversation, contact: try optionalContact(&row))
    }

    /// `MessageColumn` order.
    public static func message(_ row: inout some StoredRowReader) throws -> Message {
        let location = LocationID(rawValue: try row.text())
        let id = MessageID(rawValue: try row.text())
        let conversationId = ConversationID(rawValue: try row.text())
        let contactId = ContactID(rawValue: try row.text())
        let code = try row.int()
        guard let type = MessageType(code: code) else { throw StoreError.corruptRow("unknown message type \(code)") }
        let direction = try row.optionalText().flatMap(MessageDirection.init(rawValue:))
        let status = try row.optionalText()
        let body = try row.optionalText()
        let contentType = try row.optionalText()
        let dateAdded = try row.timestamp()
        let dateUpdated = try row.timestamp()
        let source = try row.optionalText()
        let userId = try row.optionalText()
        let altId = try row.optionalText()
        let attachments = try row.optionalText().map(StringListColumn.decode)
        let callDuration = try row.optionalInt()
        let callStatus = try row.optionalText()
        return Message(
            id: id, conversationId: conversationId, locationId: location, contactId: contactId, messageType: type,
            direction: direction, status: status, body: body, contentType: contentType, dateAdded: dateAdded,
            dateUpdated: dateUpdated, source: source, userId: userId, altId: altId, attachments: attachments,
            call: callDuration == nil && callStatus == nil ? nil : CallDetails(duration: callDuration, status: callStatus),
            emailMessageIds: try row.optionalText().map(StringListColumn.decode),
            conversationProviderId: try row.optionalText(), chatWidgetId: try row.optionalText())
    }

    /// `OAuthAppColumn` order.
    public static func app(_ row: inout some StoredRowReader) throws -> OAuthApp {
        OAuthApp(
            clientId: try row.text(), name: try row.text(), secretHash: TokenHash(rawValue: try row.text()),
            scopes: try row.scopes(), createdAt: try row.timestamp())
    }

    /// `OAuthInstallationColumn` order; nil for a row whose user type this build does not know.
    public static func installation(_ row: inout some StoredRowReader) throws -> OAuthInstallation? {
        let id = try row.text()
        let clientId = try row.text()
        guard let userType = OAuthUserType(rawValue: try row.text()) else { return nil }
        return OAuthInstallation(
            id: id, clientId: clientId, userType: userType,
            locationId: try row.optionalText().map(LocationID.init(rawValue:)), companyId: try row.optionalText(),
            userId: try row.text(), scopes: try row.scopes(), createdAt: try row.timestamp())
    }

    /// `SigningKeyColumn` order; nil for a key whose stored secret is not a secret at all (see `SigningKeySeal.open`).
    public static func signingKey(_ row: inout some StoredRowReader, seal: SigningKeySeal) throws -> SigningKey? {
        try seal.open(
            id: try row.text(), storedSecret: try row.text(), createdAt: try row.timestamp(),
            retiredAt: try row.optionalTimestamp())
    }

    /// `WebhookSubscriptionColumn` order.
    public static func subscription(_ row: inout some StoredRowReader) throws -> WebhookSubscription {
        let id = try row.text()
        let location = try row.optionalText()
        let app = try row.optionalText()
        let owner: WebhookSubscription.Owner
        switch (location, app) {
        case (let location?, nil): owner = .location(LocationID(rawValue: location))
        case (nil, let app?): owner = .app(clientId: app)
        default: throw StoreError.corruptRow("subscription \(id) belongs to neither one location nor one app")
        }
        return WebhookSubscription(
            id: id, owner: owner, url: try row.text(), events: try row.text().split(separator: " ").map(String.init),
            createdAt: try row.timestamp())
    }

    /// `ConversationProviderColumn` order.
    public static func provider(_ row: inout some StoredRowReader) throws -> ConversationProvider {
        let id = try row.text()
        let location = LocationID(rawValue: try row.text())
        let name = try row.text()
        let channelName = try row.text()
        guard let channel = ConversationProvider.Channel(rawValue: channelName) else {
            throw StoreError.corruptRow("provider \(id) has an unknown channel \(channelName)")
        }
        return ConversationProvider(
            id: id, locationId: location, name: name, channel: channel, deliveryURL: try row.text(),
            isDefault: try row.flag(), createdAt: try row.timestamp())
    }

    /// `WebhookDeliveryColumn` order.
    public static func delivery(_ row: inout some StoredRowReader) throws -> WebhookDelivery {
        WebhookDelivery(
            webhookId: try row.text(), subscriptionId: try row.text(), url: try row.text(),
            appClientId: try row.optionalText(), type: try row.text(),
            payload: Array(try row.text().utf8), createdAt: try row.timestamp(), attempts: try row.int(),
            leaseToken: try row.text(), orderKey: try row.text())
    }

    /// `WebhookAttemptRecordColumn` order.
    public static func attemptRecord(_ row: inout some StoredRowReader) throws -> WebhookAttemptRecord {
        let webhookId = try row.text()
        let subscriptionId = try row.text()
        let type = try row.text()
        let at = try row.timestamp()
        let outcomeName = try row.text()
        guard let outcome = WebhookAttempt.Outcome(rawValue: outcomeName) else {
            throw StoreError.corruptRow("unknown attempt outcome \(outcomeName)")
        }
        return WebhookAttemptRecord(
            webhookId: webhookId, subscriptionId: subscriptionId, type: type, at: at, outcome: outcome,
            statusCode: try row.optionalInt(), latencyMilliseconds: try row.int(), error: try row.optionalText())
    }

    /// `WebhookDeliveryRecordColumn` order.
    public static func deliveryRecord(_ row: inout some StoredRowReader) throws -> WebhookDeliveryRecord {
        let webhookId = try row.text()
        let subscriptionId = try row.text()
        let type = try row.text()
        let stateName = try row.text()
        guard let state = WebhookDeliveryRecord.State(rawValue: stateName) else {
            throw StoreError.corruptRow("unknown delivery state \(stateName)")
        }
        return WebhookDeliveryRecord(
            webhookId: webhookId, subscriptionId: subscriptionId, type: type, state: state, attempts: try row.int(),
            createdAt: try row.timestamp(), lastAttemptAt: try row.optionalTimestamp(),
            lastStatusCode: try row.optionalInt(), lastError: try row.optionalText(), latencyMilliseconds: try row.optionalInt())
    }
}
