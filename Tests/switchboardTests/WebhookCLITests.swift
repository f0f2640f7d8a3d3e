import Foundation
import SwitchboardTestSupport
import SwitchboardStorage
import Testing

/// Webhooks through the real executable: subscribed with `switchboard webhook add`, delivered by `switchboard serve`,
/// and not lost when the server is killed in the middle of a delivery.
@Suite(.serialized) struct WebhookCLITests {
    /// kill -9 while a delivery is in flight and more wait behind it: after a restart every acknowledged message's
    /// event arrives, and an event that arrives twice has the same webhookId both times.
    @Test(arguments: Backend.allCases)
    func killNineDuringDeliveryLosesNoEvent(_ backend: Backend) async throws {
        let database = try await serverDatabase(backend)
        // The first delivery is answered slowly, so the server dies while it is in flight: slower than twenty sends
        // take on a loaded machine (at 800 ms, a CI run once saw every event delivered before the kill), within the
        // attempt's timeout. The lease (twice the timeout) then holds that event for 10 s after the restart.
        let receiver = WebhookReceiver { _, index in index == 0 ? .init(.ok, delay: .seconds(4)) : .init(.ok) }
        try await receiver.run { port in
            let arguments = [
                "--rate-limit", "off", "--webhook-timeout", "5s", "--webhook-retry-interval", "200ms",
            ]
            let server = try ServerProcess(database: database, arguments: arguments)
            try await server.waitUntilReady()
            let subscribed = try await runCLI([
                "webhook", "add", "--location", server.location, "--url", "http://127.0.0.1:\(port)/hook",
                "--database", database,
            ])
            #expect(subscribed.status == 0)
            #expect(subscribed.stdout.hasPrefix("sub_"))
            let contactId = try await server.makeContact(firstName: "Kill", phone: "+1555")
            var acknowledged: [String] = []
            for index in 0..<20 {
                let response = try await server.send(
                    .POST, "/conversations/messages", token: server.token,
                    json: #"{"type":"SMS","contactId":"\#(contactId)","message":"m\#(index)"}"#)
                #expect(response.status == 201)
                if let id = jsonField(response.body, "messageId") { acknowledged.append(id) }
            }
            #expect(try await receiver.waitFor(1).count >= 1)
            await server.stopAndWait(signal: SIGKILL)
            let beforeRestart = receiver.deliveries.count
            #expect(beforeRestart < 20, "the kill came too late to prove anything")

            let restarted = try ServerProcess(database: database, arguments: arguments)
            defer { restarted.stop() }
            try await restarted.waitUntilReady()
            var byMessage: [String: Set<String>] = [:]
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                byMessage = [:]
                for delivery in receiver.deliveries {
                    guard let json = delivery.json, let message = json["messageId"] as? String,
                        let webhookId = json["webhookId"] as? String
                    else { continue }
                    byMessage[message, default: []].insert(webhookId)
                }
                if Set(byMessage.keys).isSuperset(of: acknowledged) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let lost = acknowledged.filter { byMessage[$0] == nil }
            #expect(lost.isEmpty, "\(lost.count) of \(acknowledged.count) acknowledged messages' events never arrived")
            #expect(byMessage.values.allSatisfy { $0.count == 1 }, "an event was delivered again with another webhookId")
            // In the order they were stored: the conversation's events are delivered one after another.
            var order: [String] = []
            for delivery in receiver.deliveries {
                if let message = delivery.json?["messageId"] as? String, !order.contains(message) { order.append(message) }
            }
            #expect(order == acknowledged)
        }
    }

    /// Two servers on one PostgreSQL database, writes spread over both and over several conversations: each event
    /// reaches the receiver once. Then one instance is killed in the middle of a delivery: the other takes the
    /// delivery over when its lease runs out, with the same webhookId.
    @Test func twoPostgresInstancesDeliverEachEventOnceAndTakeOverADeadOnes() async throws {
        let database = try await PostgresForTests.schemaURL()
        let slow = Locked(false)
        // While `slow` holds, an answer waits until the test lets it go (after the kill), well within the attempt's
        // timeout (its lease is twice that).
        let receiver = WebhookReceiver { _, _ in
            guard slow.withLock({ $0 }) else { return .init(.ok) }
            return .init(.ok, hold: { while slow.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) } })
        }
        try await receiver.run { port in
            let arguments = ["--rate-limit", "off", "--webhook-timeout", "5s", "--webhook-retry-interval", "200ms"]
            let first = try ServerProcess(database: database, arguments: arguments)
            defer { first.stop() }
            try await first.waitUntilReady()
            let second = try ServerProcess(database: database, arguments: arguments)
            defer { second.stop() }
            try await second.waitUntilReady()
            let subscribed = try await runCLI([
                "webhook", "add", "--location", first.location, "--url", "http://127.0.0.1:\(port)/hook",
                "--database", database,
            ])
            #expect(subscribed.status == 0)
            var contacts: [String] = []
            for index in 0..<4 {
                let contact = try await first.send(
                    .POST, "/contacts/", token: first.token,
                    json: #"{"locationId":"\#(first.location)","firstName":"C\#(index)","phone":"+1555000\#(index)"}"#)
                let object = try JSONSerialization.jsonObject(with: Data(contact.body.utf8)) as? [String: Any]
                contacts.append(try #require((object?["contact"] as? [String: Any])?["id"] as? String))
            }
            var acknowledged: [String] = []
            for index in 0..<40 {
                let server = index.isMultiple(of: 2) ? first : second
                let response = try await server.send(
                    .POST, "/conversations/messages", token: first.token,
                    json: #"{"type":"SMS","contactId":"\#(contacts[index % 4])","message":"m\#(index)"}"#)
                #expect(response.status == 201)
                if let id = jsonField(response.body, "messageId") { acknowledged.append(id) }
            }
            let received = try await receiver.waitFor(40)
            try await Task.sleep(for: .milliseconds(500))
            let ids = receiver.deliveries.compactMap { $0.json?["messageId"] as? String }
            #expect(ids.count == 40, "\(received.count) deliveries for 40 events")
            #expect(Set(ids) == Set(acknowledged))

            // Only the first instance left, and its receiver slow: it dies with a delivery in flight; a third
            // instance, started meanwhile, sends that delivery again once the lease (10 s here) runs out.
            await second.stopAndWait()
            slow.withLock { $0 = true }
            let sent = try await first.send(
                .POST, "/conversations/messages", token: first.token,
                json: #"{"type":"SMS","contactId":"\#(contacts[0])","message":"in flight"}"#)
            let inFlight = try #require(jsonField(sent.body, "messageId"))
            let attempts = try await receiver.waitFor(41)
            #expect(attempts.count == 41)
            let third = try ServerProcess(database: database, arguments: arguments)
            defer { third.stop() }
            try await third.waitUntilReady()
            await first.stopAndWait(signal: SIGKILL)
            slow.withLock { $0 = false }
            let killed = ContinuousClock.now
            let again = try await receiver.waitFor(42, timeout: .seconds(30))
            #expect(again.count == 42)
            #expect(ContinuousClock.now - killed < .seconds(30))
            let copies = again.filter { $0.json?["messageId"] as? String == inFlight }
            #expect(copies.count == 2)
            #expect(Set(copies.compactMap(\.webhookId)).count == 1)
        }
    }

    /// `import --webhooks` emits the imported messages' events, which the running server delivers (written by
    /// another process); a plain import emits none.
    @Test(arguments: Backend.allCases)
    func importEmitsWebhooksOnlyWhenAsked(_ backend: Backend) async throws {
        let database = try await serverDatabase(backend)
        let receiver = WebhookReceiver()
        try await receiver.run { port in
            let server = try ServerProcess(database: database, arguments: ["--rate-limit", "off"])
            defer { server.stop() }
            try await server.waitUntilReady()
            #expect(try await runCLI([
                "webhook", "add", "--location", server.location, "--url", "http://127.0.0.1:\(port)/hook",
                "--event", "OutboundMessage", "--database", database,
            ]).status == 0)
            func line(_ id: String, _ direction: String) -> String {
                #"{"id":"\#(id)","conversationId":"imported-c","locationId":"\#(server.location)","contactId":"imported-p","messageType":"TYPE_SMS","direction":"\#(direction)","body":"\#(id)","dateAdded":"2025-01-01T00:00:00.000Z"}"#
            }
            let quiet = try await runCLI(
                ["import", "-", "--database", database], stdin: Data([line("q1", "outbound")].joined(separator: "\n").utf8))
            #expect(quiet.status == 0)
            let loud = try await runCLI(
                ["import", "-", "--webhooks", "--database", database],
                stdin: Data([line("w1", "outbound"), line("w2", "inbound"), line("w3", "outbound")].joined(separator: "\n").utf8))
            #expect(loud.status == 0)
            let delivered = try await receiver.waitFor(2, timeout: .seconds(5))
            try await Task.sleep(for: .milliseconds(700))
            // Only the outbound ones: the subscription asked for OutboundMessage alone.
            #expect(receiver.deliveries.compactMap { $0.json?["messageId"] as? String } == ["w1", "w3"])
            #expect(delivered.allSatisfy { $0.json?["type"] as? String == "OutboundMessage" })
        }
    }

    /// `switchboard provider add|list|remove` through the binary beside a running server, which uses a provider as
    /// soon as it is added; bad input is refused with a message and nothing is stored.
    @Test func providerCommandsRegisterListAndRemove() async throws {
        let database = try await serverDatabase(.sqlite)
        let receiver = WebhookReceiver()
        try await receiver.run { port in
            let server = try ServerProcess(database: database, arguments: ["--rate-limit", "off"])
            defer { server.stop() }
            try await server.waitUntilReady()
            let url = "http://127.0.0.1:\(port)/provider"
            let added = try await runCLI([
                "provider", "add", "--location", server.location, "--name", "Acme SMS", "--type", "SMS",
                "--delivery-url", url, "--default", "--database", database,
            ])
            #expect(added.status == 0, "\(added.stderr)")
            let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.count == 20)
            let listed = try await runCLI(["provider", "list", "--location", server.location, "--database", database])
            #expect(listed.stdout == "\(id)\t\(server.location)\tSMS\tAcme SMS\t\(url)\tdefault\n")
            #expect(try await runCLI(["webhook", "list", "--database", database]).stdout == "")

            let contactId = try await server.makeContact(firstName: "Pat", phone: "+15550102")
            let sent = try await server.send(
                .POST, "/conversations/messages", token: server.token,
                json: #"{"type":"SMS","contactId":"\#(contactId)","message":"via the default"}"#)
            #expect(sent.status == 201)
            let delivery = try #require(try await receiver.waitFor(1, to: "/provider").first)
            #expect(delivery.json?["message"] as? String == "via the default")
            #expect(delivery.json?["phone"] as? String == "+15550102")
            // Its attempt, as `webhook deliveries --attempts` lists it once the server has recorded it.
            var attemptLines: [Substring] = []
            for _ in 0..<100 where attemptLines.isEmpty {
                attemptLines = try await runCLI([
                    "webhook", "deliveries", "--subscription", id, "--attempts", "--database", database,
                ]).stdout.split(separator: "\n")
                if attemptLines.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            let fields = attemptLines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) ?? []
            #expect(attemptLines.count == 1)
            #expect(fields.count == 8, "\(fields)")
            if fields.count == 8 {
                #expect(fields[0].count == 36)
                #expect(Array(fields[1...5]) == [id, "ProviderOutboundMessage", fields[3], "delivered", "200"])
                #expect(fields[3].hasSuffix("Z") && fields[6].hasSuffix(" ms") && fields[7].isEmpty)
            }

            let refusals: [([String], Int32, String)] = [
                (["--type", "SMS", "--delivery-url", "ftp://example.com/x"], 64,
                 "--delivery-url: ftp://example.com/x is not an http:// or https:// URL with a host"),
                (["--type", "WhatsApp", "--delivery-url", url], 64, "WhatsApp"),
            ]
            for (arguments, status, message) in refusals {
                let refused = try await runCLI(
                    ["provider", "add", "--location", server.location, "--name", "Bad"] + arguments
                        + ["--database", database])
                #expect(refused.status == status)
                #expect(refused.stderr.contains(message), "\(refused.stderr)")
            }
            let unknown = try await runCLI([
                "provider", "add", "--location", "nowhere", "--name", "Bad", "--type", "Email", "--delivery-url", url,
                "--database", database,
            ])
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("no location nowhere"), "\(unknown.stderr)")
            #expect(try await runCLI(["provider", "list", "--database", database]).stdout.split(separator: "\n").count == 1)

            let removed = try await runCLI(["provider", "remove", id, "--database", database])
            #expect(removed.status == 0)
            #expect(removed.stdout == "removed \(id)\n")
            let again = try await runCLI(["provider", "remove", id, "--database", database])
            #expect(again.status == 1)
            #expect(again.stderr.contains("no provider \(id)"), "\(again.stderr)")
            #expect(try await runCLI(["provider", "list", "--database", database]).stdout == "")
        }
    }

    /// `app create --webhook-url` (HighLevel's marketplace webhooks): the events of every location the app is
    /// installed on reach its URL with its `appId`; `webhook list` shows the subscription as the app's; what the
    /// app's scopes can never allow, and an unknown app, are refused with the reason.
    @Test func anAppsWebhookDeliversTheEventsOfTheLocationsItIsInstalledOn() async throws {
        let database = try await serverDatabase(.sqlite)
        let receiver = WebhookReceiver()
        try await receiver.run { port in
            let server = try ServerProcess(database: database, arguments: ["--rate-limit", "off"])
            defer { server.stop() }
            try await server.waitUntilReady()
            let url = "http://127.0.0.1:\(port)/app"
            let created = try await runCLI([
                "app", "create", "--name", "Marketplace", "--webhook-url", url, "--event", "OutboundMessage",
                "--database", database,
            ])
            #expect(created.status == 0, "\(created.stderr)")
            let lines = created.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            let clientId = try #require(lines.first { $0.hasPrefix("client_id: ") }).dropFirst("client_id: ".count)
            let subscription = try #require(lines.first { $0.hasPrefix("webhook: sub_") }).dropFirst("webhook: ".count)
            let listed = try await runCLI(["webhook", "list", "--database", database])
            #expect(listed.stdout == "\(subscription)\tapp:\(clientId)\t\(url)\tOutboundMessage\n")
            let installed = try await runCLI([
                "app", "install", "--client-id", String(clientId), "--location", server.location, "--database", database,
            ])
            #expect(installed.status == 0, "\(installed.stderr)")

            let contactId = try await server.makeContact(firstName: "Ann", phone: "+15550103")
            let sent = try await server.send(
                .POST, "/conversations/messages", token: server.token,
                json: #"{"type":"SMS","contactId":"\#(contactId)","message":"to the app"}"#)
            #expect(sent.status == 201)
            let delivery = try #require(try await receiver.waitFor(1, to: "/app").first)
            #expect(delivery.json?["type"] as? String == "OutboundMessage")
            #expect(delivery.json?["body"] as? String == "to the app")
            #expect(delivery.json?["locationId"] as? String == server.location)
            #expect(delivery.json?["appId"] as? String == clientId.split(separator: "-").first.map(String.init))

            let refusals: [([String], Int32, String)] = [
                (["webhook", "add", "--location", server.location, "--app", String(clientId), "--url", url], 64,
                 "give exactly one of --location and --app"),
                (["webhook", "add", "--app", "NoSuchApp-abcdefgh", "--url", url], 1,
                 "no app with client id NoSuchApp-abcdefgh"),
                (["app", "create", "--name", "Narrow", "--scope", "conversations.readonly", "--webhook-url", url,
                  "--event", "InboundMessage"], 1,
                 "the app cannot receive InboundMessage: its scopes lack conversations/message.readonly"),
                (["app", "create", "--name", "No URL", "--event", "InboundMessage"], 64, "--event needs --webhook-url"),
            ]
            for (arguments, status, message) in refusals {
                let refused = try await runCLI(arguments + ["--database", database])
                #expect(refused.status == status, "\(arguments)")
                #expect(refused.stderr.contains(message), "\(refused.stderr)")
            }
            // The refused app was not made.
            #expect(try await runCLI(["app", "list", "--database", database]).stdout.split(separator: "\n").count == 1)
        }
    }
}
