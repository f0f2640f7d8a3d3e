public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    public func createProvider(_ provider: ConversationProvider, logger: Logger) async throws {
        let location = provider.locationId.rawValue
        try await run("createProvider", logger: logger, statements: 5) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO webhook_subscriptions (id, location_id, url, events, created_at)
                    VALUES (\(provider.id), \(location), \(provider.deliveryURL), \(ProviderOutboundEvent.type),
                        \(provider.createdAt.rawValue))
                    """, logger: logger)
                if provider.isDefault {
                    try await connection.query(
                        """
                        UPDATE conversation_providers SET is_default = false
                        WHERE location_id = \(location) AND channel = \(provider.channel.rawValue)
                        """, logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO conversation_providers (id, location_id, name, channel, is_default, created_at)
                    VALUES (\(provider.id), \(location), \(provider.name), \(provider.channel.rawValue),
                        \(provider.isDefault), \(provider.createdAt.rawValue))
                    """, logger: logger)
            }
        }
    }

    public func providers(in location: LocationID?, logger: Logger) async throws -> [ConversationProvider] {
        try await fetch(
            "providers",
            """
            SELECT \(unescaped: ConversationProviderColumn.list) FROM conversation_providers p
            JOIN webhook_subscriptions s ON s.id = p.id
            WHERE \(location?.rawValue)::text IS NULL OR p.location_id = \(location?.rawValue)
            ORDER BY p.created_at, p.id
            """, logger: logger
        ) { try $0.decoded(StoredRow.provider) }
    }

    public func removeProvider(_ id: String, logger: Logger) async throws -> Bool {
        // The subscription's deliveries and the provider row go with it (ON DELETE CASCADE).
        try await !fetch(
            "removeProvider",
            """
            DELETE FROM webhook_subscriptions WHERE id = \(id) AND id IN (SELECT id FROM conversation_providers)
            RETURNING 1
            """, logger: logger
        ) { _ in true }.isEmpty
    }
}
