import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SwitchboardTestSupport
import Testing

/// `switchboard app …`: create, install, list, rotate-key, and the tokens they lead to on a running server.
@Suite(.serialized) struct AppCommandTests {
    @Test(arguments: Backend.allCases)
    func createInstallAndExchangeOnARunningServer(_ backend: Backend) async throws {
        let database = try await serverDatabase(backend)
        #expect(try await runCLI(["location", "create", "--id", "Loc1", "--database", database]).status == 0)
        let created = try await runCLI([
            "app", "create", "--name", "Reader", "--scope", "contacts.readonly", "--scope", "conversations.readonly",
            "--database", database,
        ])
        #expect(created.status == 0)
        let lines = created.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        #expect(lines[0].range(of: #"^client_id: [0-9a-f]{24}-[0-9a-z]{8}$"#, options: .regularExpression) != nil)
        #expect(lines[1].range(of: #"^client_secret: [0-9a-f-]{36}$"#, options: .regularExpression) != nil)
        let clientId = String(lines[0].dropFirst("client_id: ".count))
        let secret = String(lines[1].dropFirst("client_secret: ".count))

        let list = try await runCLI(["app", "list", "--database", database])
        #expect(list.stdout == "\(clientId)\tReader\tcontacts.readonly conversations.readonly\n")
        #expect(!list.stdout.contains(secret))

        let install = try await runCLI(["app", "install", "--client-id", clientId, "--location", "Loc1", "--database", database])
        #expect(install.status == 0)
        #expect(install.stdout.range(of: #"^[0-9a-f]{64}\n$"#, options: .regularExpression) != nil)
        let code = try await runCLI(
            ["app", "install", "--client-id", clientId, "--location", "Loc1", "--code", "--database", database])
        #expect(code.stdout.range(of: #"^[0-9a-f]{40}\n$"#, options: .regularExpression) != nil)

        for (arguments, message) in [
            (["--client-id", "nope", "--location", "Loc1"], "no app with client id nope"),
            (["--client-id", clientId, "--location", "Nope"], "no location Nope"),
            (["--client-id", clientId, "--location", "Loc1", "--company", "C1"], "exactly one of --location and --company"),
        ] {
            let refused = try await runCLI(["app", "install"] + arguments + ["--database", database])
            #expect(refused.status != 0)
            #expect(refused.stdout.isEmpty)
            #expect(refused.stderr.contains(message), "\(refused.stderr)")
        }

        let server = try ServerProcess(database: database)
        defer { server.stop() }
        try await server.waitUntilReady()
        let refreshToken = install.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let first = try await exchange(server, [
            "client_id": clientId, "client_secret": secret, "grant_type": "refresh_token", "refresh_token": refreshToken,
        ])
        #expect(first.status == 200)
        let (access, rotated) = try tokens(first.body)
        let contact = try await server.get("/contacts/none", headers: ["Authorization": "Bearer \(access)", "Version": "2021-04-15"])
        #expect(contact.status != 401, "\(contact.body)")

        // A key rotated by the CLI while the server runs: new tokens use it at once, old ones keep working.
        let rotation = try await runCLI(["app", "rotate-key", "--database", database])
        #expect(rotation.stdout.range(of: #"^key_[0-9a-f]{16}\n$"#, options: .regularExpression) != nil)
        let second = try await exchange(server, [
            "client_id": clientId, "client_secret": secret, "grant_type": "refresh_token", "refresh_token": rotated,
        ])
        let (newAccess, _) = try tokens(second.body)
        for token in [access, newAccess] {
            let answer = try await server.get("/contacts/none", headers: ["Authorization": "Bearer \(token)", "Version": "v3"])
            #expect(answer.status != 401, "\(answer.body)")
        }
        let byCode = try await exchange(server, [
            "client_id": clientId, "client_secret": secret, "grant_type": "authorization_code",
            "code": code.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
        ])
        #expect(byCode.status == 200, "\(byCode.body)")
    }

    private func exchange(_ server: ServerProcess, _ fields: [String: String]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: server.baseURL + "/oauth/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = fields.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    private func tokens(_ body: String) throws -> (access: String, refresh: String) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        return (try #require(object["access_token"] as? String), try #require(object["refresh_token"] as? String))
    }
}
