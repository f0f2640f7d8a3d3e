import Foundation
import SwitchboardTestSupport
import Testing

/// `token revoke -` reads the token from standard input, so it never appears in `ps` (issue 15, finding 11).
@Suite struct TokenRevocationTests {
    @Test func revokeReadsTheTokenFromStandardInput() async throws {
        let database = try temporaryDatabase()
        let location = try await runCLI(["location", "create", "--database", database])
        #expect(location.status == 0)
        let locationId = location.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let created = try await runCLI(["token", "create", "--location", locationId, "--database", database])
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("pit-"))

        let revoked = try await runCLI(["token", "revoke", "-", "--database", database], stdin: Data((token + "\n").utf8))
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let listed = try await runCLI(["token", "list", "--database", database])
        #expect(listed.stdout.contains("\trevoked\t"))

        let again = try await runCLI(["token", "revoke", "-", "--database", database], stdin: Data((token + "\n").utf8))
        #expect(again.status != 0)
        #expect(again.stderr.contains("no active token matches the token given"))
        #expect(!again.stderr.contains(token))
        let empty = try await runCLI(["token", "revoke", "-", "--database", database], stdin: Data())
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("no token on standard input"))
    }
}
