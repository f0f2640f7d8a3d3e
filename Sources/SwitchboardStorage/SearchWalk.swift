/// How both backends find a page of a search text that many conversations match: rather than sorting every match
/// for the page (36,000 of 100,000 conversations for `appointment`), they walk the location's conversations in the
/// page's order through the sort key's index and check each against the rule, which finds a third's 20 within the
/// first 60. A walk reads a bounded number of conversations, then gives up for the sort.
public enum SearchWalk {
    /// The most conversations a walk reads (about 6 ms on SQLite, this machine).
    public static let longest = 1_000

    /// How many conversations a walk reads for a page of `limit`: three times what `matches` spread evenly over
    /// `population` conversations would need; nil when that is longer than `longest`, or the page could not fill.
    /// `population` may be more than the location holds (SQLite's span of row ids, PostgreSQL's estimate of the
    /// whole table): the walk is then longer, or left for the sort, never too short to be tried.
    public static func length(limit: Int, matches: Int, population: Int64) -> Int? {
        guard limit > 0, matches >= limit else { return nil }
        let length = 3 * Double(limit) * Double(max(population, Int64(matches))) / Double(matches)
        return length <= Double(longest) ? Int(length.rounded(.up)) : nil
    }

    /// A walk taken before the matches are counted (PostgreSQL, where counting them costs as much as sorting them):
    /// five conversations a row of the page, enough when one in five or more matches among the newest (a narrow
    /// text pays for the walk: 100 conversations, about 1.5 ms); nil for a page of nothing or one longer than
    /// `longest`.
    public static func blindLength(limit: Int) -> Int? {
        guard limit > 0, 5 * limit <= longest else { return nil }
        return 5 * limit
    }
}
