/// The shared rate-limit counters (part of migration 014): one row per app and location, unlogged (a crash may
/// forget the counts of a window, never a message), and the function that leases requests from it in one round
/// trip, the row locked for its statement so that concurrent instances are granted in turn.
///
/// A lease grants at most an eighth of what is left of the window (and of the day), at least one: early in a window
/// an instance takes a block and spends it locally, near its end the blocks shrink to one request, so requests
/// leased by one instance and unspent when another is refused stay few.
extension PostgresMigrations {
    static let rateLimitCounters = [
        """
        CREATE UNLOGGED TABLE rate_limit_counters (
            key TEXT COLLATE "C" PRIMARY KEY,
            window_start BIGINT NOT NULL,
            window_used INTEGER NOT NULL,
            day BIGINT NOT NULL,
            day_used INTEGER NOT NULL
        )
        """,
        """
        CREATE FUNCTION switchboard_rate_limit_lease(
            lease_key text, lease_now bigint, window_length bigint, burst integer, lease_day bigint, daily integer,
            wanted integer
        ) RETURNS TABLE (granted integer, granted_window_start bigint, granted_window_used integer,
            granted_day_used integer)
        LANGUAGE plpgsql AS $$
        DECLARE
            counters rate_limit_counters%ROWTYPE;
            left_over integer;
            grant_now integer;
        BEGIN
            INSERT INTO rate_limit_counters VALUES (lease_key, lease_now, 0, lease_day, 0) ON CONFLICT DO NOTHING;
            SELECT * INTO counters FROM rate_limit_counters WHERE key = lease_key FOR UPDATE;
            IF lease_now - counters.window_start >= window_length THEN
                counters.window_start := lease_now;
                counters.window_used := 0;
            END IF;
            IF counters.day <> lease_day THEN
                counters.day := lease_day;
                counters.day_used := 0;
            END IF;
            left_over := GREATEST(LEAST(burst - counters.window_used, daily - counters.day_used), 0);
            grant_now := LEAST(wanted, left_over, GREATEST(left_over / 8, 1));
            UPDATE rate_limit_counters
            SET window_start = counters.window_start, window_used = counters.window_used + grant_now,
                day = counters.day, day_used = counters.day_used + grant_now
            WHERE key = lease_key;
            RETURN QUERY SELECT grant_now, counters.window_start, counters.window_used + grant_now,
                counters.day_used + grant_now;
        END $$
        """,
    ]
}
