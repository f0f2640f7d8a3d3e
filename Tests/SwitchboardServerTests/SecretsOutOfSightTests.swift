import Foundation
import SwitchboardServer
import Testing

/// Secrets stay out of argv: a PostgreSQL URL with its password can come from a file (issue 15, finding 11).
@Suite struct SecretsOutOfSightTests {
    @Test func theDatabaseURLCanComeFromAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("db-url-\(UUID().uuidString)")
        try Data("postgres://app:hunter2@db.internal/sb\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = ["SWITCHBOARD_DATABASE_FILE": file.path]
        #expect(try ServerConfiguration.resolveDatabase(nil, environment: fromFile) == .postgres(url: "postgres://app:hunter2@db.internal/sb"))
        // The flag and SWITCHBOARD_DATABASE still come first.
        #expect(try ServerConfiguration.resolveDatabase("x.sqlite", environment: fromFile) == .sqlite(path: "x.sqlite"))
        #expect(
            try ServerConfiguration.resolveDatabase(nil, environment: fromFile.merging(["SWITCHBOARD_DATABASE": "y.sqlite"]) { $1 })
                == .sqlite(path: "y.sqlite"))
        #expect(try ServerConfiguration.resolveDatabase(nil, environment: [:]) == .sqlite(path: "./switchboard.sqlite"))
    }

    @Test func anUnreadableOrEmptyDatabaseFileIsAClearError() throws {
        let missing = "/nonexistent/\(UUID().uuidString)"
        #expect {
            try ServerConfiguration.resolveDatabase(nil, environment: ["SWITCHBOARD_DATABASE_FILE": missing])
        } throws: { error in
            "\(error)" == "SWITCHBOARD_DATABASE_FILE: cannot read \(missing)"
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("db-url-\(UUID().uuidString)")
        try Data("\n".utf8).write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect {
            try ServerConfiguration.resolveDatabase(nil, environment: ["SWITCHBOARD_DATABASE_FILE": empty.path])
        } throws: { error in
            "\(error)" == "SWITCHBOARD_DATABASE_FILE: \(empty.path) is empty"
        }
    }
}
