public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    public func createSubtype(_ subtype: CustomSubtype, logger: Logger) async throws {
        try await execute(
            "createSubtype",
            """
            INSERT INTO custom_subtypes (\(unescaped: CustomSubtypeColumn.list))
            VALUES (\(subtype.id), \(subtype.locationId.rawValue), \(subtype.name), \(subtype.description),
                \(subtype.channel.rawValue), \(subtype.language), \(subtype.archived), \(subtype.resubscriptionLegalFormId),
                \(subtype.createdAt.rawValue), \(subtype.updatedAt.rawValue))
            """, logger: logger)
    }

    public func subtypes(in location: LocationID, logger: Logger) async throws -> [CustomSubtype] {
        try await fetch(
            "subtypes",
            """
            SELECT \(unescaped: CustomSubtypeColumn.list) FROM custom_subtypes WHERE location_id = \(location.rawValue)
            ORDER BY created_at, id
            """, logger: logger
        ) { try $0.decoded(StoredRow.subtype) }
    }

    public func subtype(_ id: String, in location: LocationID, logger: Logger) async throws -> CustomSubtype? {
        try await fetch(
            "subtype",
            """
            SELECT \(unescaped: CustomSubtypeColumn.list) FROM custom_subtypes
            WHERE location_id = \(location.rawValue) AND id = \(id)
            """, logger: logger
        ) { try $0.decoded(StoredRow.subtype) }.first
    }

    public func locationOfSubtype(_ id: String, logger: Logger) async throws -> LocationID? {
        try await fetch("locationOfSubtype", "SELECT location_id FROM custom_subtypes WHERE id = \(id)", logger: logger) {
            LocationID(rawValue: try $0.decode(String.self))
        }.first
    }

    public func updateSubtype(_ subtype: CustomSubtype, logger: Logger) async throws {
        try await execute(
            "updateSubtype",
            """
            UPDATE custom_subtypes SET name = \(subtype.name), description = \(subtype.description),
                archived = \(subtype.archived), resubscription_legal_form_id = \(subtype.resubscriptionLegalFormId),
                updated_at = \(subtype.updatedAt.rawValue)
            WHERE location_id = \(subtype.locationId.rawValue) AND id = \(subtype.id)
            """, logger: logger)
    }

    public func recordChoice(_ choice: SubscriptionChoice, logger: Logger) async throws {
        try await execute(
            "recordChoice",
            """
            INSERT INTO subscription_choices (\(unescaped: SubscriptionChoiceColumn.list))
            VALUES (\(choice.locationId.rawValue), \(choice.contactId.rawValue), \(choice.email),
                \(choice.topic.storedKey), \(choice.subscribed), \(choice.legalReason), \(choice.legalDescription),
                \(choice.updatedAt.rawValue))
            ON CONFLICT (location_id, contact_id, email, topic) DO UPDATE SET subscribed = EXCLUDED.subscribed,
                legal_reason = EXCLUDED.legal_reason, legal_description = EXCLUDED.legal_description,
                updated_at = EXCLUDED.updated_at
            """, logger: logger)
    }

    public func resubscribeAll(
        contact: ContactID, email: String, in location: LocationID, legalReason: String?, legalDescription: String?,
        at time: Timestamp, logger: Logger
    ) async throws {
        try await execute(
            "resubscribeAll",
            """
            UPDATE subscription_choices SET subscribed = true, legal_reason = \(legalReason),
                legal_description = \(legalDescription), updated_at = \(time.rawValue)
            WHERE location_id = \(location.rawValue) AND contact_id = \(contact.rawValue)
                AND email = \(email.lowercased()) AND NOT subscribed
            """, logger: logger)
    }

    public func choices(of contact: ContactID, email: String?, in location: LocationID, logger: Logger) async throws
        -> [SubscriptionChoice]
    {
        let address = email?.lowercased()
        return try await fetch(
            "choices",
            """
            SELECT \(unescaped: SubscriptionChoiceColumn.list) FROM subscription_choices
            WHERE location_id = \(location.rawValue) AND contact_id = \(contact.rawValue)
                AND (\(address)::text IS NULL OR email = \(address))
            ORDER BY email, topic
            """, logger: logger
        ) { try $0.decoded(StoredRow.choice) }
    }
}
