import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Custom conversation providers (issue 16, CONTRACT.md §9.4) over real sockets: a send through a provider is stored
/// `pending` and delivered to the provider's URL alone, in HighLevel's provider shape, signed; the provider's status
/// report comes back as the OutboundMessage status change.
@Suite struct ConversationProviderTests {
    private func withProviders(
        _ backend: Backend, receiver: WebhookReceiver,
        _ body: @Sendable (any ConversationStore, Tenant, Int, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await receiver.run { port in
            try await withStore(backend) { store in
                let tenant = try await store.makeTenant()
                // A subscription to every event: it gets the message events, never the provider's.
                try await store.subscribe(tenant, id: "sub-all", url: "http://127.0.0.1:\(port)/hook", events: [])
                try await makeApplication(store: store, configure: {
                    $0.now = Timestamp.now
                    $0.webhooks.enabled = true
                    $0.webhooks.pollInterval = .milliseconds(50)
                }).test(.live) { client in
                    try await body(store, tenant, port, client)
                }
            }
        }
    }

    private func addProvider(
        _ store: any ConversationStore, _ tenant: Tenant, _ channel: ConversationProvider.Channel, url: String,
        isDefault: Bool = false
    ) async throws -> ConversationProvider {
        try await WebhookSetup.addProvider(
            store, location: tenant.location, name: "Acme \(channel.rawValue)", channel: channel, deliveryURL: url,
            isDefault: isDefault, now: .now(), logger: .test)
    }

    @Test(arguments: Backend.allCases)
    func aSendThroughAProviderIsPendingUntilItReportsAndReachesItAlone(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await withProviders(backend, receiver: receiver) { store, tenant, port, client in
            let provider = try await addProvider(store, tenant, .sms, url: "http://127.0.0.1:\(port)/provider")
            let contact = try await makeContact(store, tenant: tenant, phone: "+15550100")
            let sent = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"""
                    {"type":"SMS","contactId":"\#(contact.id)","message":"caf\u00e9 \"hi\"","conversationProviderId":"\#(provider.id)",
                     "attachments":["https://example.com/a.png"]}
                    """#)
            #expect(sent.status == .created)
            let messageId = try #require(try sent.json()["messageId"] as? String)

            // The provider's delivery: HighLevel's fields for it and nothing else, signed over the exact bytes.
            let delivery = try #require(try await receiver.waitFor(1, to: "/provider").first)
            let expected = """
                {"contactId":"\(contact.id)","locationId":"\(tenant.location)","messageId":"\(messageId)","type":"SMS",\
                "phone":"+15550100","message":"café \\"hi\\"","attachments":["https://example.com/a.png"]}
                """
            #expect(String(decoding: delivery.body, as: UTF8.self) == expected)
            #expect(try await isSignedByTheServer(delivery, store: store))

            // Stored pending, with the provider's id.
            let stored = try await client.execute(uri: "/conversations/messages/\(messageId)", method: .get, headers: tenant.headers)
            let message = try #require(try stored.json()["message"] as? [String: Any])
            #expect(message["status"] as? String == "pending")
            #expect(message["conversationProviderId"] as? String == provider.id)

            // The provider reports delivery: the location's subscription hears the status change.
            let report = try await client.send(
                .put, "/conversations/messages/\(messageId)/status", headers: tenant.headers,
                json: #"{"status":"delivered"}"#)
            #expect(report.status == .ok)
            let heard = try await receiver.waitFor(2, to: "/hook")
            #expect(heard.map { $0.json?["type"] as? String } == ["OutboundMessage", "OutboundMessage"])
            #expect(heard.map { $0.json?["status"] as? String } == ["pending", "delivered"])
            #expect(heard.allSatisfy { $0.json?["messageId"] as? String == messageId })
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.deliveries(to: "/provider").count == 1)
            #expect(receiver.deliveries(to: "/hook").count == 2)

            // The provider's deliveries are listed under its id; its subscription is its own, not the location's.
            let records = try await store.deliveries(WebhookDeliveryFilter(subscriptionId: provider.id), logger: .test)
            #expect(records.map(\.type) == [ProviderOutboundEvent.type])
            #expect(try await store.subscriptions(in: tenant.location, logger: .test).map(\.id) == ["sub-all"])
            #expect(try await store.removeSubscription(provider.id, logger: .test) == false)
            #expect(try await store.providers(in: tenant.location, logger: .test) == [provider])
        }
    }

    @Test(arguments: Backend.allCases)
    func theDefaultProviderTakesSendsThatNameNoneAndEmailsCarryTheirFields(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await withProviders(backend, receiver: receiver) { store, tenant, port, client in
            let url = "http://127.0.0.1:\(port)/mail"
            let first = try await addProvider(store, tenant, .email, url: url, isDefault: true)
            let provider = try await addProvider(store, tenant, .email, url: url, isDefault: true)
            #expect(try await store.providers(in: tenant.location, logger: .test).map(\.isDefault) == [false, true])
            let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com", phone: "+15550101")
            let sent = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"""
                    {"type":"Email","contactId":"\#(contact.id)","html":"<p>Hi</p>","subject":"Hello",
                     "emailFrom":"Team <team@example.com>"}
                    """#)
            #expect(sent.status == .created)
            let answer = try sent.json()
            let messageId = try #require(answer["messageId"] as? String)
            let emailMessageId = try #require(answer["emailMessageId"] as? String)
            let delivery = try #require(try await receiver.waitFor(1, to: "/mail").first)
            let expected = """
                {"contactId":"\(contact.id)","locationId":"\(tenant.location)","messageId":"\(messageId)",\
                "emailMessageId":"\(emailMessageId)","type":"Email","emailTo":["ada@example.com"],\
                "emailFrom":"Team <team@example.com>","subject":"Hello","html":"<p>Hi</p>","attachments":[]}
                """
            #expect(String(decoding: delivery.body, as: UTF8.self) == expected)
            let records = try await store.deliveries(WebhookDeliveryFilter(subscriptionId: provider.id), logger: .test)
            #expect(records.count == 1)
            #expect(try await store.deliveries(WebhookDeliveryFilter(subscriptionId: first.id), logger: .test).isEmpty)

            // No SMS provider: an SMS is sent as HighLevel's own would be, delivered at once.
            let sms = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"SMS","contactId":"\#(contact.id)","message":"plain"}"#)
            #expect(sms.status == .created)
            let smsId = try #require(try sms.json()["messageId"] as? String)
            let stored = try await client.execute(uri: "/conversations/messages/\(smsId)", method: .get, headers: tenant.headers)
            #expect((try stored.json()["message"] as? [String: Any])?["status"] as? String == "delivered")

            // Removed, the provider takes nothing more: the next email is HighLevel's own again.
            #expect(try await store.removeProvider(provider.id, logger: .test))
            #expect(try await store.removeProvider(provider.id, logger: .test) == false)
            #expect(try await store.providers(in: tenant.location, logger: .test).map(\.id) == [first.id])
            let again = try await client.send(
                .post, "/conversations/messages", headers: tenant.headers,
                json: #"{"type":"Email","contactId":"\#(contact.id)","html":"<p>Again</p>","subject":"Again"}"#)
            let againId = try #require(try again.json()["messageId"] as? String)
            let againStored = try await client.execute(uri: "/conversations/messages/\(againId)", method: .get, headers: tenant.headers)
            #expect((try againStored.json()["message"] as? [String: Any])?["status"] as? String == "delivered")
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.deliveries(to: "/mail").count == 1)

            // A reset keeps providers, as it keeps subscriptions; a reset of everything removes them.
            try await store.reset(.data, logger: .test)
            #expect(try await store.providers(in: nil, logger: .test).map(\.id) == [first.id])
            try await store.reset(.everything, logger: .test)
            #expect(try await store.providers(in: nil, logger: .test).isEmpty)
        }
    }

    /// A send through a provider scheduled ahead waits (`scheduled`, nothing delivered); when the test clock passes
    /// its time it reaches the provider as a send at once would have, subject and addresses included, and waits
    /// `pending` for the provider's report.
    @Test(arguments: Backend.allCases)
    func aScheduledSendThroughAProviderReachesItWhenItIsSent(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { port in
            try await withStore(backend) { store in
                let tenant = try await store.makeTenant()
                _ = try await addProvider(store, tenant, .email, url: "http://127.0.0.1:\(port)/mail", isDefault: true)
                let contact = try await makeContact(store, tenant: tenant, email: "ada@example.com")
                try await ControlAPITests.application(store, clock: TestClockTests.frozenClock(), configure: {
                    $0.webhooks.enabled = true
                    $0.webhooks.pollInterval = .milliseconds(50)
                }).test(.live) { client in
                    let due = testEpoch.rawValue / 1000 + 3_600
                    let sent = try await client.send(
                        .post, "/conversations/messages", headers: tenant.headers,
                        json: #"""
                            {"type":"Email","contactId":"\#(contact.id)","html":"<p>Later</p>","subject":"Later",
                             "emailTo":"grace@example.com","scheduledTimestamp":\#(due)}
                            """#)
                    #expect(sent.status == .created)
                    let answer = try sent.json()
                    let messageId = try #require(answer["messageId"] as? String)
                    let emailMessageId = try #require(answer["emailMessageId"] as? String)
                    func status() async throws -> String? {
                        let read = try await client.get("/conversations/messages/\(messageId)", headers: tenant.headers)
                        return (try read.json()["message"] as? [String: Any])?["status"] as? String
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(receiver.deliveries.isEmpty)
                    #expect(try await status() == "scheduled")

                    #expect(try await TestClockTests.move(client, #"{"advance":"2h"}"#).status == .ok)
                    let delivery = try #require(try await receiver.waitFor(1, to: "/mail").first)
                    let expected = """
                        {"contactId":"\(contact.id)","locationId":"\(tenant.location)","messageId":"\(messageId)",\
                        "emailMessageId":"\(emailMessageId)","type":"Email","emailTo":["grace@example.com"],\
                        "subject":"Later","html":"<p>Later</p>","attachments":[]}
                        """
                    #expect(String(decoding: delivery.body, as: UTF8.self) == expected)
                    #expect(try await status() == "pending")
                }
            }
        }
    }
}
