import Foundation
public import SwitchboardCore

/// The columns of each table as both backends select and decode them, in the order their rows are read. A backend
/// builds its SELECT and INSERT lists from these, never from a list of its own.
public protocol StoredColumns: CaseIterable, RawRepresentable where RawValue == String, AllCases: RandomAccessCollection {}

extension StoredColumns {
    /// Every column, comma-separated, in order.
    public static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Every column prefixed by a table alias, for joins: `c.location_id, c.id, …`.
    public static func list(alias: String) -> String { allCases.map { "\(alias).\($0.rawValue)" }.joined(separator: ", ") }

    public static var count: Int { allCases.count }
}

public enum LocationColumn: String, StoredColumns {
    case id, name, dateAdded = "date_added"
}

public enum TokenColumn: String, StoredColumns {
    case locationId = "location_id", id, tokenHash = "token_hash", name, scopes, createdAt = "created_at"
    case revokedAt = "revoked_at"
}

public enum ContactColumn: String, StoredColumns {
    case locationId = "location_id", id, firstName = "first_name", lastName = "last_name", name, email, phone
    case companyName = "company_name", dateAdded = "date_added", dateUpdated = "date_updated", tags, dnd
    case dndSettings = "dnd_settings"
}

public enum ConversationColumn: String, StoredColumns {
    case locationId = "location_id", id, contactId = "contact_id", dateAdded = "date_added"
    case dateUpdated = "date_updated", unreadCount = "unread_count", starred, deleted
    case lastMessageBody = "last_message_body", lastMessageType = "last_message_type"
    case lastMessageDate = "last_message_date", lastMessageDirection = "last_message_direction"
}

public enum MessageColumn: String, StoredColumns {
    case locationId = "location_id", id, conversationId = "conversation_id", contactId = "contact_id"
    case typeCode = "type_code", direction, status, body, contentType = "content_type", dateAdded = "date_added"
    case dateUpdated = "date_updated", source, userId = "user_id", altId = "alt_id", attachments
    case callDuration = "call_duration", callStatus = "call_status", emailMessageIds = "email_message_ids"
    case conversationProviderId = "conversation_provider_id", chatWidgetId = "chat_widget_id"
}

public enum OAuthAppColumn: String, StoredColumns {
    case clientId = "client_id", name, secretHash = "secret_hash", scopes, createdAt = "created_at"
}

public enum OAuthInstallationColumn: String, StoredColumns {
    case id, clientId = "client_id", userType = "user_type", locationId = "location_id", companyId = "company_id"
    case userId = "user_id", scopes, createdAt = "created_at"
}

public enum SigningKeyColumn: String, StoredColumns {
    case id, secret, createdAt = "created_at", retiredAt = "retired_at"
}

public enum WebhookSubscriptionColumn: String, StoredColumns {
    case id, locationId = "location_id", appClientId = "app_client_id", url, events, createdAt = "created_at"
}

/// A provider (`p`) with its subscription's URL (`s`).
public enum ConversationProviderColumn: String, StoredColumns {
    case id = "p.id", locationId = "p.location_id", name = "p.name", channel = "p.channel", url = "s.url"
    case isDefault = "p.is_default", createdAt = "p.created_at"
}

/// A delivery as it is leased: the delivery's columns, the event's and the subscription's url (`d`, `e`, `s`).
public enum WebhookDeliveryColumn: String, StoredColumns {
    case webhookId = "d.webhook_id", subscriptionId = "d.subscription_id", url = "s.url"
    case appClientId = "s.app_client_id", type = "e.type"
    case payload = "e.payload", createdAt = "e.created_at", attempts = "d.attempts", leaseToken = "d.lease_token"
    case orderKey = "d.order_key"
}

/// A delivery as `webhook deliveries` lists it (`d`, `e`).
/// An attempt (`a`) with its delivery's subscription (`d`) and event type (`e`).
public enum WebhookAttemptRecordColumn: String, StoredColumns {
    case webhookId = "a.webhook_id", subscriptionId = "d.subscription_id", type = "e.type", at = "a.attempted_at"
    case outcome = "a.outcome", status = "a.status", latency = "a.latency_ms", error = "a.error"
}

public enum WebhookDeliveryRecordColumn: String, StoredColumns {
    case webhookId = "d.webhook_id", subscriptionId = "d.subscription_id", type = "e.type", state = "d.state"
    case attempts = "d.attempts", createdAt = "e.created_at", lastAttemptAt = "d.last_attempt_at"
    case lastStatus = "d.last_status", lastError = "d.last_error", latency = "d.latency_ms"
}

/// Lists of strings (attachments, email message ids) are kept as a JSON array in one text column, by both backends.
public enum StringListColumn {
    public static func encode(_ values: [String]) -> String {
        var json = JSONWriter(capacity: 64)
        json.stringArray(values)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// Read by hand: `JSONDecoder` took 2% of the server's time serving pages uncached from PostgreSQL.
    public static func decode(_ text: String) -> [String] {
        MessageLineParser.stringArray(text) ?? (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

/// A contact's `dndSettings` as both backends store them: one JSON object by channel, NULL when there are none.
public enum DndSettingsColumn {
    public static func encode(_ settings: [DndChannel: DndSetting]) -> String? {
        guard !settings.isEmpty else { return nil }
        let byName = Dictionary(uniqueKeysWithValues: settings.map { ($0.key.rawValue, $0.value) })
        // Strings and enums only: encoding cannot fail.
        return (try? String(decoding: JSONEncoder().encode(byName), as: UTF8.self)) ?? nil
    }

    public static func decode(_ text: String?) throws -> [DndChannel: DndSetting] {
        guard let text else { return [:] }
        do {
            let byName = try JSONDecoder().decode([String: DndSetting].self, from: Data(text.utf8))
            return Dictionary(uniqueKeysWithValues: byName.compactMap { name, setting in
                DndChannel(rawValue: name).map { ($0, setting) }
            })
        } catch {
            throw StoreError.corruptRow("dnd_settings: \(error)")
        }
    }
}
