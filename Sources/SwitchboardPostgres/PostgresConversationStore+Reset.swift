import PostgresNIO
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension PostgresConversationStore {
    /// Empties every table the scope names in one statement, so one round trip and one transaction: a reset is seen
    /// whole or not at all. A test's worth of rows is deleted; more is truncated (`resetStatement`). Its locks are
    /// taken table by table, so a write holding one of them while it waits for another can deadlock with it; the
    /// reset is then run again, as it changes nothing until it commits.
    public func reset(_ scope: ResetScope, logger: Logger) async throws {
        let statement = PostgresQuery(unsafeSQL: Self.resetStatement(scope))
        try await run("reset", logger: logger, retries: 2) { connection in
            _ = try await connection.query(statement, logger: logger)
        }
    }

    /// The tables a reset empties, each after the tables whose rows refer to it (a deletion checks its foreign keys
    /// row by row). `everything` adds the locations and what belongs to them. The signing keys, the rate-limit
    /// counters and the migrations' record are never reset (`PostgresResetTests` checks that every other table is
    /// named here).
    static func resetTables(_ scope: ResetScope) -> [String] {
        let data = [
            "scheduled_sends", "email_records", "call_transcriptions", "file_chunks", "files", "subscription_choices",
            "webhook_attempts", "webhook_deliveries", "webhook_events", "messages", "conversation_search_bodies",
            "conversation_search_words", "search_words", "conversations", "contacts",
        ]
        switch scope {
        case .data: return data
        case .everything:
            return data + [
                "oauth_grants", "oauth_installations", "conversation_providers", "webhook_subscriptions", "oauth_apps",
                "custom_subtypes", "tokens", "locations",
            ]
        }
    }

    /// Up to this many rows in all, a reset deletes them; beyond, it truncates. TRUNCATE makes a new file for every
    /// table, index and TOAST table: 13–17 ms on a new cluster, and 29–54 ms once the database's folder has seen tens
    /// of thousands of files made and removed, as a test suite that resets between its tests leaves it (most of
    /// that in the kernel, finding a free inode). Deleting takes 2 ms when the tables are empty and about 8 µs more
    /// a message; the bound counts the rows of every table, so below it deleting stays the cheaper
    /// (docs/performance.md).
    static let resetDeletesUpTo = 1_000

    /// A DO block that locks the scope's tables against writes (reads go on), counts their rows up to the bound, and
    /// deletes them or truncates them. Deleting announces "everything" on the change feed, as the TRUNCATE trigger
    /// of `messages` does, so every instance drops its cached answers either way. Made of constants only.
    static func resetStatement(_ scope: ResetScope) -> String {
        let tables = resetTables(scope)
        let bound = resetDeletesUpTo
        let counted = tables.map { "(SELECT count(*) FROM (SELECT FROM \($0) LIMIT \(bound + 1)) AS \($0)_rows)" }
        return """
            DO $reset$
            BEGIN
                LOCK TABLE \(tables.joined(separator: ", ")) IN EXCLUSIVE MODE;
                IF \(counted.joined(separator: "\n        + ")) <= \(bound) THEN
                    \(tables.map { "DELETE FROM \($0);" }.joined(separator: "\n        "))
                    PERFORM pg_notify('\(PostgresMigrations.changeChannel)', json_build_object(
                        'v', 1, 'schema', (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.oid = 'messages'::regclass), 'everything', true)::text);
                ELSE
                    TRUNCATE \(tables.joined(separator: ", "));
                END IF;
            END $reset$
            """
    }

    public func latestMessageTime(logger: Logger) async throws -> Timestamp? {
        try await fetch(
            "latestMessageTime", "SELECT GREATEST(MAX(date_added), MAX(date_updated)) FROM messages", logger: logger
        ) { row in try row.decode(Int64?.self) }.first?.map(Timestamp.init(rawValue:))
    }
}
