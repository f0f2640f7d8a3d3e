import GRDB

/// A WHERE clause built one condition at a time, its arguments kept in step with its placeholders.
struct SQLConditions {
    private var clauses: [String] = []
    private(set) var arguments: StatementArguments = []

    init(_ clause: String, _ values: any DatabaseValueConvertible...) {
        and(clause, arguments: StatementArguments(values))
    }

    /// Adds `clause`, whose placeholders take `values`.
    mutating func and(_ clause: String, _ values: any DatabaseValueConvertible...) {
        and(clause, arguments: StatementArguments(values))
    }

    mutating func and(_ clause: String, arguments more: StatementArguments) {
        clauses.append(clause)
        arguments += more
    }

    /// The conditions joined with AND.
    var sql: String { clauses.joined(separator: " AND ") }
}
