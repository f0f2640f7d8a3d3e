import Foundation
import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

// MARK: - Contacts

extension SQLiteConversationStore {
    private static let contactColumns = ContactColumn.list

    public func createContact(_ contact: Contact, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO contacts (\(Self.contactColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: Self.arguments(for: contact))
        }
    }

    public func createMissing(locations: [Location], contacts: [Contact], logger: Logger) async throws {
        guard !locations.isEmpty || !contacts.isEmpty else { return }
        try await write { db in try Self.createMissing(locations: locations, contacts: contacts, db: db) }
    }

    static func createMissing(locations: [Location], contacts: [Contact], db: Database) throws {
        let location = try db.cachedStatement(
            sql: "INSERT INTO locations (id, name, date_added) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
        for new in locations {
            try location.execute(arguments: [new.id.rawValue, new.name, new.dateAdded.rawValue])
        }
        let contact = try db.cachedStatement(
            sql: """
                INSERT INTO contacts (\(contactColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (location_id, id) DO NOTHING
                """)
        for new in contacts { try contact.execute(arguments: arguments(for: new)) }
    }

    public func contact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> Contact? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.contactColumns) FROM contacts WHERE location_id = ? AND id = ?",
                arguments: [location.rawValue, id.rawValue]
            ).map(Decode.contact)
        }
    }

    public func deleteContact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> [ConversationID]? {
        try await write { db in
            let conversations = try String.fetchAll(
                db, sql: "SELECT id FROM conversations WHERE location_id = ? AND contact_id = ?",
                arguments: [location.rawValue, id.rawValue]
            ).map(ConversationID.init(rawValue:))
            for conversation in conversations { _ = try Self.deleteConversationRows(conversation, in: location, db: db) }
            try db.execute(
                sql: "DELETE FROM subscription_choices WHERE location_id = ? AND contact_id = ?",
                arguments: [location.rawValue, id.rawValue])
            try db.execute(
                sql: "DELETE FROM contacts WHERE location_id = ? AND id = ?", arguments: [location.rawValue, id.rawValue])
            return db.changesCount > 0 ? conversations : nil
        }
    }

    public func listContacts(_ query: ContactQuery, logger: Logger) async throws -> (contacts: [Contact], total: Int) {
        try await pool.read { db in
            var conditions = SQLConditions("location_id = ?", query.location.rawValue)
            if let text = query.text {
                let fields = ["name", "first_name", "last_name", "email", "phone", "company_name"]
                conditions.and(
                    "(" + fields.map { "instr(lower(COALESCE(\($0), '')), lower(?)) > 0" }.joined(separator: " OR ") + ")",
                    arguments: StatementArguments(fields.map { _ in text }))
            }
            for filter in query.filters {
                let condition = ContactFilterSQL.condition(
                    filter, placeholder: "?", position: "instr", tagElements: "json_each(contacts.tags)")
                if filter.operator.takesValue { conditions.and(condition, filter.value) } else { conditions.and(condition) }
            }
            let total = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM contacts WHERE \(conditions.sql)", arguments: conditions.arguments) ?? 0
            if let after = query.after {
                conditions.and("(date_added, id) > (?, ?)", after.date.rawValue, after.id.rawValue)
            }
            let contacts = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.contactColumns) FROM contacts WHERE \(conditions.sql)
                    ORDER BY date_added, id LIMIT ? OFFSET ?
                    """,
                arguments: conditions.arguments + [query.limit, query.offset]
            ).map(Decode.contact)
            return (contacts, total)
        }
    }

    public func locationOfContact(_ id: ContactID, logger: Logger) async throws -> LocationID? {
        try await locationHolding(id.rawValue, in: "contacts")
    }

    /// Which location's rows of `table` (keyed by location, then id) hold `id`: a seek per location.
    func locationHolding(_ id: String, in table: String) async throws -> LocationID? {
        try await pool.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT l.id FROM locations l
                    WHERE EXISTS (SELECT 1 FROM \(table) t WHERE t.location_id = l.id AND t.id = ?) LIMIT 1
                    """,
                arguments: [id]
            ).map(LocationID.init(rawValue:))
        }
    }

    public func findContact(email: String?, phone: String?, in location: LocationID, logger: Logger) async throws
        -> Contact?
    {
        try await pool.read { db in
            if let email,
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.contactColumns) FROM contacts WHERE location_id = ? AND email = ? COLLATE NOCASE
                        ORDER BY date_added, id LIMIT 1
                        """,
                    arguments: [location.rawValue, email])
            {
                return try Decode.contact(row)
            }
            if let phone,
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.contactColumns) FROM contacts WHERE location_id = ? AND phone = ?
                        ORDER BY date_added, id LIMIT 1
                        """,
                    arguments: [location.rawValue, phone])
            {
                return try Decode.contact(row)
            }
            return nil
        }
    }

    public func updateContact(_ contact: Contact, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE contacts SET first_name = ?, last_name = ?, name = ?, email = ?, phone = ?, company_name = ?,
                        date_updated = ?, tags = ?, dnd = ?, dnd_settings = ?
                    WHERE location_id = ? AND id = ?
                    """,
                arguments: [
                    contact.firstName, contact.lastName, contact.name, contact.email, contact.phone, contact.companyName,
                    contact.dateUpdated.rawValue, StringListColumn.encode(contact.tags), contact.dnd,
                    DndSettingsColumn.encode(contact.dndSettings), contact.locationId.rawValue, contact.id.rawValue,
                ])
        }
    }

    private static func arguments(for contact: Contact) -> StatementArguments {
        [
            contact.locationId.rawValue, contact.id.rawValue, contact.firstName, contact.lastName, contact.name,
            contact.email, contact.phone, contact.companyName, contact.dateAdded.rawValue, contact.dateUpdated.rawValue,
            StringListColumn.encode(contact.tags), contact.dnd, DndSettingsColumn.encode(contact.dndSettings),
        ]
    }

}
