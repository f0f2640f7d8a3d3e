import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

extension SQLiteConversationStore {
    public func createSubtype(_ subtype: CustomSubtype, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO custom_subtypes (\(CustomSubtypeColumn.list)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: Self.arguments(subtype))
        }
    }

    public func subtypes(in location: LocationID, logger: Logger) async throws -> [CustomSubtype] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(CustomSubtypeColumn.list) FROM custom_subtypes WHERE location_id = ? ORDER BY created_at, id",
                arguments: [location.rawValue]
            ).map { try $0.decoded(StoredRow.subtype) }
        }
    }

    public func subtype(_ id: String, in location: LocationID, logger: Logger) async throws -> CustomSubtype? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(CustomSubtypeColumn.list) FROM custom_subtypes WHERE location_id = ? AND id = ?",
                arguments: [location.rawValue, id]
            ).map { try $0.decoded(StoredRow.subtype) }
        }
    }

    public func locationOfSubtype(_ id: String, logger: Logger) async throws -> LocationID? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT location_id FROM custom_subtypes WHERE id = ?", arguments: [id])
                .map(LocationID.init(rawValue:))
        }
    }

    public func updateSubtype(_ subtype: CustomSubtype, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE custom_subtypes SET name = ?, description = ?, archived = ?, resubscription_legal_form_id = ?,
                        updated_at = ?
                    WHERE location_id = ? AND id = ?
                    """,
                arguments: [
                    subtype.name, subtype.description, subtype.archived, subtype.resubscriptionLegalFormId,
                    subtype.updatedAt.rawValue, subtype.locationId.rawValue, subtype.id,
                ])
        }
    }

    public func recordChoice(_ choice: SubscriptionChoice, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO subscription_choices (\(SubscriptionChoiceColumn.list))
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    choice.locationId.rawValue, choice.contactId.rawValue, choice.email, choice.topic.storedKey,
                    choice.subscribed, choice.legalReason, choice.legalDescription, choice.updatedAt.rawValue,
                ])
        }
    }

    public func resubscribeAll(
        contact: ContactID, email: String, in location: LocationID, legalReason: String?, legalDescription: String?,
        at time: Timestamp, logger: Logger
    ) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE subscription_choices SET subscribed = 1, legal_reason = ?, legal_description = ?, updated_at = ?
                    WHERE location_id = ? AND contact_id = ? AND email = ? AND subscribed = 0
                    """,
                arguments: [
                    legalReason, legalDescription, time.rawValue, location.rawValue, contact.rawValue, email.lowercased(),
                ])
        }
    }

    public func choices(of contact: ContactID, email: String?, in location: LocationID, logger: Logger) async throws
        -> [SubscriptionChoice]
    {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SubscriptionChoiceColumn.list) FROM subscription_choices
                    WHERE location_id = ? AND contact_id = ? AND (? IS NULL OR email = ?) ORDER BY email, topic
                    """,
                arguments: [location.rawValue, contact.rawValue, email?.lowercased(), email?.lowercased()]
            ).map { try $0.decoded(StoredRow.choice) }
        }
    }

    private static func arguments(_ subtype: CustomSubtype) -> StatementArguments {
        [
            subtype.id, subtype.locationId.rawValue, subtype.name, subtype.description, subtype.channel.rawValue,
            subtype.language, subtype.archived, subtype.resubscriptionLegalFormId, subtype.createdAt.rawValue,
            subtype.updatedAt.rawValue,
        ]
    }
}
