import Foundation
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// HighLevel's official Python SDK (`gohighlevel-api-client`, scripts/webhooks/sdk_receiver.py) verifies Switchboard's
/// deliveries with no code change: only its two environment variables set to what `switchboard webhook keys` prints.
@Suite struct WebhookSDKTests {
    /// The Python with the SDK installed: scripts/test.sh sets it (the venv of scripts/openapi.sh). Missing
    /// configuration fails, never skips.
    private static func python() throws -> String {
        guard let python = ProcessInfo.processInfo.environment["SWITCHBOARD_WEBHOOK_SDK_PYTHON"], !python.isEmpty else {
            throw ConfigurationMissing()
        }
        return python
    }

    private struct ConfigurationMissing: Error, CustomStringConvertible {
        var description: String {
            "SWITCHBOARD_WEBHOOK_SDK_PYTHON is not set: run scripts/test.sh, or point it at a Python with gohighlevel-api-client"
        }
    }

    private static let receiverScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/webhooks/sdk_receiver.py").path

    @Test(arguments: Backend.allCases)
    func theOfficialPythonSDKVerifiesBothSignatures(_ backend: Backend) async throws {
        let python = try Self.python()
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let keys = try await WebhookKeys.active(in: store, now: .now(), logger: .test)
            let stored = try await store.webhookKeys(retiredAfter: .now(), logger: .test)
            let ed25519 = try #require(stored.first { $0.key.id == keys.ids[.ed25519] }.flatMap { WebhookKeys.publicPEM(of: $0.key, .ed25519) })
            let rsa = try #require(stored.first { $0.key.id == keys.ids[.rsa] }.flatMap { WebhookKeys.publicPEM(of: $0.key, .rsa) })

            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let portFile = directory.appendingPathComponent("port").path
            let resultsFile = directory.appendingPathComponent("results").path
            // posix_spawn (ChildProcess), not Foundation's Process: its run() reads past a buffer under ASan.
            let receiver = try ChildProcess(
                [python, Self.receiverScript, portFile, resultsFile],
                environment: ProcessInfo.processInfo.environment.merging(
                    ["WEBHOOK_SIGNATURE_PUBLIC_KEY": ed25519, "WEBHOOK_PUBLIC_KEY": rsa]) { $1 })
            defer {
                // Reaped on a thread of its own: waiting here would hold one of the concurrency pool's few threads.
                kill(receiver.processIdentifier, SIGKILL)
                Thread.detachNewThread { receiver.waitUntilExit() }
            }
            var port: String?
            for _ in 0..<300 where port == nil {
                port = try? String(contentsOfFile: portFile, encoding: .utf8)
                if port == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let listening = try #require(port, "the SDK receiver did not start")

            try await store.subscribe(tenant, id: "sdk", url: "http://127.0.0.1:\(listening)/hook")
            let (conversation, contact) = try await store.makeConversation(tenant)
            try await makeApplication(store: store, configure: {
                $0.now = Timestamp.now
                $0.webhooks.enabled = true
                $0.webhooks.pollInterval = .milliseconds(50)
            }).test(.live) { client in
                // Text that JSON must escape, so the bytes signed are not trivially the text sent.
                let response = try await client.send(
                    .post, "/conversations/messages/inbound", headers: tenant.headers,
                    json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"caf\u00e9 \"quoted\" \u2603"}"#)
                #expect(response.status == .created)
                var lines: [String] = []
                for _ in 0..<200 where lines.isEmpty {
                    lines = ((try? String(contentsOfFile: resultsFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                    if lines.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                }
                let result = try JSONSerialization.jsonObject(with: Data(try #require(lines.first).utf8)) as? [String: Any]
                #expect(result?["ed25519"] as? Bool == true)
                #expect(result?["rsa"] as? Bool == true)
                #expect(result?["ed25519Tampered"] as? Bool == false)
                #expect(result?["rsaTampered"] as? Bool == false)
                #expect((result?["webhookId"] as? String)?.count == 36)
            }
        }
    }
}
