/// Migration 014, what instances on one database coordinate through: the change feed's triggers (below) and the
/// shared rate-limit counters (`PostgresRateLimitSchema.swift`).
///
/// Every commit that changes messages NOTIFYs the conversations it changed on
/// `switchboard_changes`, so each instance drops exactly the cached answers that went stale (`ChangeFeed`).
/// Triggers, not the store's write paths: a write by any process (another instance, `import`, psql) is announced,
/// and in its own transaction, so only a commit is heard. One notification per statement:
/// `{"v":1,"schema":…,"conversations":[…]}` for up to 200 conversations that fit PostgreSQL's 8,000-byte payload,
/// else `{"v":1,"schema":…,"everything":true}` (an import, a reset). The schema, because the channel is the database's:
/// deployments in other schemas of it hear each other, and ignore what is not theirs. PostgreSQL drops a
/// transaction's duplicate notifications.
extension PostgresMigrations {
    static let changeChannel = "switchboard_changes"

    static let clusterCoordination = Migration(
        name: "014_cluster_coordination",
        statements: rateLimitCounters + [
            """
            CREATE FUNCTION switchboard_messages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                changed text[];
                payload text;
            BEGIN
                SELECT array_agg(c) INTO changed
                FROM (SELECT DISTINCT conversation_id AS c FROM changed_rows LIMIT 201) AS distinct_conversations;
                IF changed IS NULL THEN
                    RETURN NULL;
                END IF;
                payload := json_build_object('v', 1, 'schema', TG_TABLE_SCHEMA, 'conversations', to_json(changed))::text;
                IF cardinality(changed) > 200 OR octet_length(payload) > 7900 THEN
                    payload := json_build_object('v', 1, 'schema', TG_TABLE_SCHEMA, 'everything', true)::text;
                END IF;
                PERFORM pg_notify('\(changeChannel)', payload);
                RETURN NULL;
            END $$
            """,
            """
            CREATE FUNCTION switchboard_messages_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('\(changeChannel)',
                    json_build_object('v', 1, 'schema', TG_TABLE_SCHEMA, 'everything', true)::text);
                RETURN NULL;
            END $$
            """,
            // A trigger with a transition table handles one kind of statement, so three of them.
            """
            CREATE TRIGGER messages_inserted AFTER INSERT ON messages REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION switchboard_messages_changed()
            """,
            """
            CREATE TRIGGER messages_updated AFTER UPDATE ON messages REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION switchboard_messages_changed()
            """,
            """
            CREATE TRIGGER messages_deleted AFTER DELETE ON messages REFERENCING OLD TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION switchboard_messages_changed()
            """,
            """
            CREATE TRIGGER messages_truncated AFTER TRUNCATE ON messages
                FOR EACH STATEMENT EXECUTE FUNCTION switchboard_messages_truncated()
            """,
        ])
}
