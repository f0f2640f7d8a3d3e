import GRDB

/// Migration 014: what PostgreSQL instances coordinate through (the change feed's triggers, shared rate-limit
/// counters). A SQLite file has one server, which sees other writers through `changeToken` and counts requests in
/// memory, so here the migration only keeps the names in step.
enum SQLiteClusterSchema {
    static let migrationName = "014_cluster_coordination"

    static func create(_ db: Database) throws {}
}
