import Foundation
import SwitchboardTestSupport
import Testing

/// Issue 15: the database file holds every location's messages and the signing keys. It is created for its owner
/// alone, a file others can read is refused unless that is meant, and a damaged file is refused before serving.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DatabaseFileTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    /// Before: 0644 for the file, its -wal and its -shm.
    @Test func aNewDatabaseIsReadableByItsOwnerAlone() async throws {
        let database = try temporaryDatabase()
        let server = try ServerProcess(database: database)
        defer { server.stop() }
        try await server.waitUntilReady()
        for file in [database, database + "-wal", database + "-shm"] {
            #expect(try Self.mode(file) == 0o600, "\(file)")
        }
        let created = try await runCLI(["location", "create", "--name", "Other", "--database", try temporaryDatabase()])
        #expect(created.status == 0)
    }

    @Test func aFileOthersCanReadIsRefusedUnlessAllowed() async throws {
        let database = try temporaryDatabase()
        let made = try await runCLI(["location", "create", "--name", "Shared", "--database", database])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try Self.mode(database) == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: database)

        let refused = try await runCLI(["serve", "--database", database, "--port", "0"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(
            "\(database) can be read or written by other users (mode 644), and it holds every location's messages and the keys access tokens are signed with. Run `chmod 600 \(database)`, or pass --allow-shared-file if it is shared on purpose."),
            "\(refused.stderr)")
        let listed = try await runCLI(["location", "list", "--database", database])
        #expect(listed.status == 1)
        #expect(listed.stderr.contains("Run `chmod 600 \(database)`"))

        let allowed = try await runCLI(["location", "list", "--allow-shared-file", "--database", database])
        #expect(allowed.status == 0)
        #expect(allowed.stdout.contains("Shared"))
        let server = try ServerProcess(database: database, arguments: ["--allow-shared-file"])
        defer { server.stop() }
        try await server.waitUntilReady()
    }

    @Test func aDamagedFileIsRefusedAtStart() async throws {
        let database = try temporaryDatabase()
        let made = try await runCLI(["import", "-", "--database", database], stdin: Data(Self.messages(2_000).utf8))
        #expect(made.status == 0, "\(made.stderr)")
        // Overwrite the middle of the file (b-tree pages of the messages) with garbage.
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        let size = try handle.seekToEnd()
        #expect(size > 64 * 4096)
        try handle.seek(toOffset: size / 2 / 4096 * 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 3 * 4096))
        try handle.close()

        let refused = try await runCLI(["serve", "--database", database, "--port", "0"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(database) is damaged (PRAGMA quick_check: "), "\(refused.stderr)")
        #expect(refused.stderr.contains("Restore it from a backup, or copy out what can be read with `sqlite3 \(database) .recover`."))
    }

    /// The signing keys are sealed under a key file beside the database, readable by its owner alone, or under
    /// SWITCHBOARD_SECRET_KEY (then no key file is written).
    @Test func theSigningKeysAreSealedUnderAKeyFileOrTheSecretKey() async throws {
        let database = try temporaryDatabase()
        #expect(try await runCLI(["location", "create", "--database", database]).status == 0)
        let rotated = try await runCLI(["app", "rotate-key", "--database", database])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(try Self.mode(database + ".key") == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: database + ".key")
        let refused = try await runCLI(["app", "keys", "--database", database])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(database).key can be read or written by other users (mode 640)"), "\(refused.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: database + ".key")
        #expect(try await runCLI(["app", "keys", "--database", database]).status == 0)
        // Without the key file the sealed keys cannot be opened, and the command says why.
        try FileManager.default.moveItem(atPath: database + ".key", toPath: database + ".key.moved")
        let lost = try await runCLI(["app", "rotate-key", "--database", database])
        #expect(lost.status == 0)  // a new key file and a new key: the old key is retired, not needed to sign
        let listed = try await runCLI(["app", "keys", "--database", database])
        #expect(listed.status == 1)
        #expect(listed.stderr.contains("was sealed with another secret key"), "\(listed.stderr)")

        let environment = ["SWITCHBOARD_SECRET_KEY": String(repeating: "s", count: 32)]
        let withSecret = try temporaryDatabase()
        #expect(try await runCLI(["location", "create", "--database", withSecret], environment: environment).status == 0)
        let made = try await runCLI(["app", "rotate-key", "--database", withSecret], environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(!FileManager.default.fileExists(atPath: withSecret + ".key"))
        let short = try await runCLI(
            ["app", "keys", "--database", withSecret], environment: ["SWITCHBOARD_SECRET_KEY": "short"])
        #expect(short.status == 1)
        #expect(short.stderr.contains("SWITCHBOARD_SECRET_KEY must be at least 32 characters"))
    }

    @Test func durabilityIsOneOfTwoModes() async throws {
        let database = try temporaryDatabase()
        let server = try ServerProcess(database: database, arguments: ["--durability", "full"])
        defer { server.stop() }
        try await server.waitUntilReady()
        let wrong = try await runCLI(["serve", "--durability", "sometimes", "--database", try temporaryDatabase()])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("The value 'sometimes' is invalid for '--durability <durability>'"), "\(wrong.stderr)")
    }

    static func messages(_ count: Int) -> String {
        (0..<count).map { n in
            #"{"id":"m\#(n)","conversationId":"c\#(n % 50)","locationId":"L1","contactId":"p\#(n % 50)","messageType":"TYPE_SMS","type":2,"direction":"inbound","body":"\#(String(repeating: "x", count: 200))","dateAdded":"2025-01-01T00:00:00.000Z"}"#
        }.joined(separator: "\n")
    }
}
