import GRDB

/// A WHERE clause built one condition at a time, its arguments kept in step with its placeholders.
struct SQLConditions {
    private var clauses: [String] = []
    private(set) var arguments: StatementArguments = []

    init(_ clause: String, _ values: any DatabaseValueConvertible...) {
        and(clause, arguments: StatementArguments(values))
    }

    /// No condition yet.
    init() {}

    var isEmpty: Bool { clauses.isEmpty }

    /// Adds `clause`, whose placeholders take `values`.
    mutating func and(_ clause: String, _ values: any DatabaseValueConvertible...) {
        and(clause, arguments: StatementArguments(values))
    }

    mutating func and(_ clause: String, arguments more: StatementArguments) {
        clauses.append(clause)
        arguments += more
    }

    /// Adds every condition of `other`.
    mutating func and(_ other: SQLConditions) {
        clauses += other.clauses
        arguments += other.arguments
    }

    /// The conditions joined with AND.
    var sql: String { clauses.joined(separator: " AND ") }

    /// The conditions, each after an AND, to follow others; empty when there is none.
    var andSQL: String { clauses.map { " AND " + $0 }.joined() }
}
