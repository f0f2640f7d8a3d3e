import PostgresNIO
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension PostgresConversationStore {
    /// One TRUNCATE of every table the scope names: instant at any size, and atomic.
    public func reset(_ scope: ResetScope, logger: Logger) async throws {
        let statement: PostgresQuery = switch scope {
        case .data:
            """
            TRUNCATE scheduled_sends, email_records, call_transcriptions, files, file_chunks, subscription_choices,
                webhook_attempts, webhook_deliveries, webhook_events, messages, conversation_search_bodies, conversations,
                contacts
            """
        case .everything:
            """
            TRUNCATE scheduled_sends, email_records, call_transcriptions, files, file_chunks, subscription_choices,
                webhook_attempts, webhook_deliveries, webhook_events, messages, conversation_search_bodies, conversations,
                contacts, oauth_grants, oauth_installations, oauth_apps, conversation_providers, custom_subtypes,
                webhook_subscriptions, tokens, locations
            """
        }
        try await execute("reset", statement, logger: logger)
    }

    public func latestMessageTime(logger: Logger) async throws -> Timestamp? {
        try await fetch(
            "latestMessageTime", "SELECT GREATEST(MAX(date_added), MAX(date_updated)) FROM messages", logger: logger
        ) { row in try row.decode(Int64?.self) }.first?.map(Timestamp.init(rawValue:))
    }
}
