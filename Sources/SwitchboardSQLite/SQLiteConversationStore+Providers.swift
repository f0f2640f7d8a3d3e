import GRDB
public import Logging
public import SwitchboardCore
import SwitchboardStorage

extension SQLiteConversationStore {
    public func createProvider(_ provider: ConversationProvider, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO webhook_subscriptions (id, location_id, url, events, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    provider.id, provider.locationId.rawValue, provider.deliveryURL, ProviderOutboundEvent.type,
                    provider.createdAt.rawValue,
                ])
            if provider.isDefault {
                try db.execute(
                    sql: "UPDATE conversation_providers SET is_default = 0 WHERE location_id = ? AND channel = ?",
                    arguments: [provider.locationId.rawValue, provider.channel.rawValue])
            }
            try db.execute(
                sql: """
                    INSERT INTO conversation_providers (id, location_id, name, channel, is_default, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    provider.id, provider.locationId.rawValue, provider.name, provider.channel.rawValue,
                    provider.isDefault, provider.createdAt.rawValue,
                ])
        }
    }

    public func providers(in location: LocationID?, logger: Logger) async throws -> [ConversationProvider] {
        try await pool.read { db in
            let select = """
                SELECT \(ConversationProviderColumn.list) FROM conversation_providers p
                JOIN webhook_subscriptions s ON s.id = p.id
                """
            let rows =
                if let location {
                    try Row.fetchAll(
                        db, sql: select + " WHERE p.location_id = ? ORDER BY p.created_at, p.id",
                        arguments: [location.rawValue])
                } else {
                    try Row.fetchAll(db, sql: select + " ORDER BY p.created_at, p.id")
                }
            return try rows.map(Decode.provider)
        }
    }

    public func removeProvider(_ id: String, logger: Logger) async throws -> Bool {
        try await write { db in
            // The subscription's deliveries and the provider row go with it (ON DELETE CASCADE).
            try db.execute(
                sql: "DELETE FROM webhook_subscriptions WHERE id = ? AND id IN (SELECT id FROM conversation_providers)",
                arguments: [id])
            return db.changesCount > 0
        }
    }
}
