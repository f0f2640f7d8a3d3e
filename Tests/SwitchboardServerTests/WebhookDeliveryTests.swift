import Crypto
import CryptoExtras
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

/// Webhooks over real sockets: a message stored through the API reaches a loopback receiver as HighLevel's signed
/// event; failed attempts are retried (or given up) as the policy says; a slow receiver holds up nobody else; a
/// conversation's events arrive in order.
@Suite struct WebhookDeliveryTests {
    /// A server that delivers webhooks on the wall clock, with fast retries.
    private func configure(_ configuration: inout ServerConfiguration) {
        configuration.now = Timestamp.now
        configuration.webhooks.enabled = true
        configuration.webhooks.retry.interval = .milliseconds(200)
        configuration.webhooks.retry.jitter = 0
        configuration.webhooks.pollInterval = .milliseconds(50)
        // Generous: a loaded test phase once kept a 503's answer from arriving within 2 s, which then counted as no
        // answer. Tests of the timeout set their own.
        configuration.webhooks.timeout = .seconds(15)
    }

    /// Runs `body` with a live server on a store of `backend`, a tenant whose location has a subscription to
    /// `receiver` at `/hook` (and any more paths), and a conversation to write to.
    private func withWebhooks(
        _ backend: Backend, receiver: WebhookReceiver, paths: [String] = ["/hook"],
        events: [String] = ["InboundMessage", "OutboundMessage"],
        configure more: @escaping @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (any ConversationStore, Tenant, ConversationID, ContactID, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await receiver.run { port in
            try await withStore(backend) { store in
                let tenant = try await store.makeTenant()
                for path in paths {
                    try await store.subscribe(
                        tenant, id: "sub" + path.replacingOccurrences(of: "/", with: "-"),
                        url: "http://127.0.0.1:\(port)\(path)", events: events)
                }
                let (conversation, contact) = try await store.makeConversation(tenant)
                try await makeApplication(store: store, configure: { configure(&$0); more(&$0) }).test(.live) { client in
                    try await body(store, tenant, conversation, contact, client)
                }
            }
        }
    }

    private func inbound(
        _ client: some TestClientProtocol, _ tenant: Tenant, _ conversation: ConversationID, _ contact: ContactID,
        _ text: String
    ) async throws -> String {
        let response = try await client.send(
            .post, "/conversations/messages/inbound", headers: tenant.headers,
            json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"\#(text)"}"#)
        #expect(response.status == .created)
        return try #require(try response.json()["messageId"] as? String)
    }

    @Test(arguments: Backend.allCases)
    func aStoredMessageIsDeliveredAsASignedInboundMessage(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await withWebhooks(backend, receiver: receiver) { store, tenant, conversation, contact, client in
            let messageId = try await inbound(client, tenant, conversation, contact, "hello there")
            let delivery = try #require(try await receiver.waitFor(1).first)
            let json = try #require(delivery.json)
            #expect(json["type"] as? String == "InboundMessage")
            #expect(json["messageId"] as? String == messageId)
            #expect(json["locationId"] as? String == tenant.location.rawValue)
            #expect(json["conversationId"] as? String == conversation.rawValue)
            #expect(json["contactId"] as? String == contact.rawValue)
            #expect(json["body"] as? String == "hello there")
            #expect(json["messageType"] as? String == "SMS")
            #expect(json["messageTypeId"] as? Int == 2)
            #expect(json["messageTypeString"] as? String == "TYPE_SMS")
            #expect(json["direction"] as? String == "inbound")
            #expect((json["webhookId"] as? String)?.count == 36)
            #expect(json["timestamp"] as? String != nil)
            #expect(delivery.headers[.contentType] == "application/json")

            // Both signatures verify over the exact bytes received, with the server's public keys.
            let keys = try await store.webhookKeys(retiredAfter: .now(), logger: .test)
            let ed25519 = try #require(keys.first { $0.algorithm == .ed25519 }?.key)
            let rsa = try #require(keys.first { $0.algorithm == .rsa }?.key)
            let edPublic = try Curve25519.Signing.PrivateKey(rawRepresentation: ed25519.secret).publicKey
            let edSignature = try #require(delivery.headers[HTTPField.Name("x-ghl-signature")!].flatMap { Data(base64Encoded: $0) })
            #expect(edPublic.isValidSignature(edSignature, for: delivery.body))
            #expect(!edPublic.isValidSignature(edSignature, for: delivery.body + [0x20]))
            let rsaPublic = try _RSA.Signing.PrivateKey(derRepresentation: rsa.secret).publicKey
            let rsaSignature = try #require(delivery.headers[HTTPField.Name("x-wh-signature")!].flatMap { Data(base64Encoded: $0) })
            #expect(rsaPublic.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: rsaSignature), for: delivery.body, padding: .insecurePKCS1v1_5))
            // The public halves as PEM, the form the SDKs' environment variables take.
            #expect(WebhookKeys.publicPEM(of: ed25519, .ed25519) == edPublic.pemRepresentation)
            #expect(WebhookKeys.publicPEM(of: ed25519, .ed25519)?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true)

            // Recorded as delivered.
            try await eventually {
                let records = try await store.deliveries(WebhookDeliveryFilter(), logger: .test)
                return records.map(\.state) == [.delivered] && records.first?.lastStatusCode == 200
                    && records.first?.webhookId == json["webhookId"] as? String
            }
        }
    }

    /// An app's subscription (`app create --webhook-url`): a message stored in a location the app is installed on
    /// arrives with the app's `appId`, signed over the bytes that carry it.
    @Test(arguments: Backend.allCases)
    func anAppsSubscriptionReceivesItsInstalledLocationsEventsWithItsAppId(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { port in
            try await withStore(backend) { store in
                let tenant = try await store.makeTenant()
                let app = try await store.installApp(on: .location(tenant.location))
                _ = try await WebhookSetup.addSubscription(
                    store, owner: .app(clientId: app.clientId), url: "http://127.0.0.1:\(port)/app",
                    events: ["InboundMessage"], now: .now(), logger: .test)
                let (conversation, contact) = try await store.makeConversation(tenant)
                try await makeApplication(store: store, configure: configure).test(.live) { client in
                    let messageId = try await inbound(client, tenant, conversation, contact, "for the app")
                    let delivery = try #require(try await receiver.waitFor(1, to: "/app").first)
                    let json = try #require(delivery.json)
                    #expect(json["messageId"] as? String == messageId)
                    #expect(json["appId"] as? String == String(app.clientId.prefix { $0 != "-" }))
                    #expect(try await isSignedByTheServer(delivery, store: store))
                }
            }
        }
    }

    /// A delivery report (`PUT …/status`) is an event too: the message's webhook again, with its new status.
    @Test(arguments: Backend.allCases)
    func aStatusUpdateIsDeliveredWithTheNewStatus(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await withWebhooks(backend, receiver: receiver) { _, tenant, conversation, contact, client in
            let response = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"out","direction":"outbound"}"#)
            let messageId = try #require(try response.json()["messageId"] as? String)
            _ = try await receiver.waitFor(1)
            let update = try await client.send(
                .put, "/conversations/messages/\(messageId)/status", headers: tenant.headers, json: #"{"status":"failed"}"#)
            #expect(update.status == .ok)
            let both = try await receiver.waitFor(2)
            #expect(both.count == 2)
            let second = try #require(both.last?.json)
            #expect(second["type"] as? String == "OutboundMessage")
            #expect(second["messageId"] as? String == messageId)
            #expect(second["status"] as? String == "failed")
            #expect(second["webhookId"] as? String != both.first?.webhookId)
            // An unknown message is a 404 and emits nothing.
            let unknown = try await client.send(
                .put, "/conversations/messages/NoSuchMessage0000000/status", headers: tenant.headers,
                json: #"{"status":"failed"}"#)
            #expect(unknown.status == .notFound)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.deliveries.count == 2)
        }
    }

    /// Every change of a conversation's unread count is a `ConversationUnreadUpdate` with the count committed with
    /// it, after the event of the message that caused it: an inbound message raises it, marking the conversation
    /// read lowers it. A PUT that leaves the count as it was, and an outbound message, change nothing and emit none.
    @Test(arguments: Backend.allCases)
    func unreadCountChangesAreDeliveredAsConversationUnreadUpdates(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await withWebhooks(backend, receiver: receiver, events: []) { _, tenant, conversation, contact, client in
            _ = try await inbound(client, tenant, conversation, contact, "one")
            _ = try await inbound(client, tenant, conversation, contact, "two")
            let conversationPath = "/conversations/\(conversation)"
            let read = try await client.send(
                .put, conversationPath, headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","unreadCount":0}"#)
            #expect(read.status == .ok)
            let unchanged = try await client.send(
                .put, conversationPath, headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","unreadCount":0,"starred":true}"#)
            #expect(unchanged.status == .ok)
            let outbound = try await client.send(
                .post, "/conversations/messages/inbound", headers: tenant.headers,
                json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"out","direction":"outbound"}"#)
            #expect(outbound.status == .created)
            // At least once: under load an attempt may time out and be made again, with the same webhookId.
            func distinct() -> [WebhookReceiver.Delivery] {
                var seen = Set<String>()
                return receiver.deliveries.filter { seen.insert($0.webhookId ?? "").inserted }
            }
            try await eventually(timeout: .seconds(15)) { distinct().count >= 6 }
            try await Task.sleep(for: .milliseconds(300))
            let deliveries = distinct()
            #expect(deliveries.count == 6)
            #expect(deliveries.map { $0.json?["type"] as? String } == [
                "InboundMessage", "ConversationUnreadUpdate", "InboundMessage", "ConversationUnreadUpdate",
                "ConversationUnreadUpdate", "OutboundMessage",
            ])
            // HighLevel's ConversationUnreadWebhook fields, in this order, then what every delivery adds.
            let unread = deliveries.filter { $0.json?["type"] as? String == "ConversationUnreadUpdate" }
            for (delivery, (count, starred)) in zip(unread, [(1, false), (2, false), (0, false)]) {
                let body = String(decoding: delivery.body, as: UTF8.self)
                let expected = #"{"type":"ConversationUnreadUpdate","locationId":"\#(tenant.location)","id":"\#(conversation)","contactId":"\#(contact)","unreadCount":\#(count),"inbox":true,"starred":\#(starred),"deleted":false,"webhookId":""#
                #expect(body.hasPrefix(expected), "\(body)")
                #expect(delivery.json?["timestamp"] as? String != nil)
            }
        }
    }

    /// `LiveChatTyping` is Switchboard's own event (HighLevel sends no webhook for typing): a subscription that names it
    /// receives it, in its conversation's order; one to "every event" receives only what HighLevel would send.
    @Test(arguments: Backend.allCases)
    func liveChatTypingGoesOnlyToSubscriptionsThatNameIt(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await withWebhooks(backend, receiver: receiver, paths: ["/all"], events: []) {
            store, tenant, conversation, contact, client in
            // Beside the receiver's `/all` subscription, one to `/typing` that names the event.
            let all = try #require(try await store.subscriptions(in: tenant.location, logger: .test).first?.url)
            try await store.subscribe(
                tenant, id: "sub-typing", url: all.replacingOccurrences(of: "/all", with: "/typing"),
                events: ["LiveChatTyping", "InboundMessage"])
            let typing = try await client.send(
                .post, "/conversations/providers/live-chat/typing", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","isTyping":true,"visitorId":"visitor-1","conversationId":"\#(conversation)"}"#)
            #expect(typing.status == .created)
            let messageId = try await inbound(client, tenant, conversation, contact, "typed")
            func distinct(_ path: String) -> [WebhookReceiver.Delivery] {
                var seen = Set<String>()
                return receiver.deliveries.filter { $0.path == path && seen.insert($0.webhookId ?? "").inserted }
            }
            try await eventually(timeout: .seconds(15)) { distinct("/typing").count >= 2 && distinct("/all").count >= 2 }
            try await Task.sleep(for: .milliseconds(300))
            let named = distinct("/typing")
            #expect(named.map { $0.json?["type"] as? String } == ["LiveChatTyping", "InboundMessage"])
            let body = String(decoding: try #require(named.first).body, as: UTF8.self)
            #expect(body.hasPrefix(
                #"{"type":"LiveChatTyping","locationId":"\#(tenant.location)","conversationId":"\#(conversation)","visitorId":"visitor-1","isTyping":true,"webhookId":""#),
                "\(body)")
            #expect(named.last?.json?["messageId"] as? String == messageId)
            #expect(distinct("/all").map { $0.json?["type"] as? String } == ["InboundMessage", "ConversationUnreadUpdate"])
        }
    }

    @Test(arguments: Backend.allCases)
    func withoutRSATheLegacySignatureIsLeftOut(_ backend: Backend) async throws {
        let receiver = WebhookReceiver()
        try await withWebhooks(backend, receiver: receiver, configure: { $0.webhooks.rsaSignature = false }) {
            _, tenant, conversation, contact, client in
            _ = try await inbound(client, tenant, conversation, contact, "hi")
            let delivery = try #require(try await receiver.waitFor(1).first)
            #expect(delivery.headers[HTTPField.Name("x-ghl-signature")!] != nil)
            #expect(delivery.headers[HTTPField.Name("x-wh-signature")!] == nil)
        }
    }

    /// A 429 is tried again after the interval (or the longer Retry-After) with the same webhookId; a 500 is final
    /// unless 5xx retries are on.
    @Test(arguments: Backend.allCases)
    func a429IsRetriedWithTheSameWebhookIdAndA500IsFinal(_ backend: Backend) async throws {
        let receiver = WebhookReceiver { path, index in
            switch (path, index) {
            case ("/busy", 0): .init(.tooManyRequests, headers: [.retryAfter: "1"])
            case ("/broken", _): .init(.internalServerError)
            default: .init(.ok)
            }
        }
        try await withWebhooks(backend, receiver: receiver, paths: ["/busy", "/broken"]) {
            store, tenant, conversation, contact, client in
            _ = try await inbound(client, tenant, conversation, contact, "hi")
            let busy = try await receiver.waitFor(2, to: "/busy")
            #expect(busy.count == 2)
            #expect(busy[0].webhookId != nil)
            #expect(busy[0].webhookId == busy[1].webhookId)
            #expect(busy[0].body == busy[1].body)
            // Retry-After (1 s) is longer than the interval (200 ms): it is honoured.
            #expect(busy[1].receivedAt - busy[0].receivedAt >= .milliseconds(950))
            try await Task.sleep(for: .milliseconds(600))
            #expect(receiver.deliveries(to: "/broken").count == 1)
            let dead = try await store.deliveries(WebhookDeliveryFilter(deadOnly: true), logger: .test)
            #expect(dead.map(\.subscriptionId) == ["sub-broken"])
            #expect(dead.first?.lastStatusCode == 500)
            #expect(dead.first?.lastError == "HTTP 500")
        }
    }

    @Test(arguments: Backend.allCases)
    func serverErrorsAreRetriedWhenAskedAndTheLastAttemptIsCounted(_ backend: Backend) async throws {
        let receiver = WebhookReceiver { _, _ in .init(.serviceUnavailable) }
        try await withWebhooks(
            backend, receiver: receiver,
            configure: { $0.webhooks.retry.retriesServerErrors = true; $0.webhooks.retry.maximumAttempts = 3 }
        ) { store, tenant, conversation, contact, client in
            _ = try await inbound(client, tenant, conversation, contact, "hi")
            #expect(try await receiver.waitFor(3).count == 3)
            try await eventually {
                try await store.deliveries(WebhookDeliveryFilter(deadOnly: true), logger: .test).first?.attempts == 3
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.deliveries.count == 3)
            // Every attempt is kept, newest first.
            let attempts = try await store.attempts(WebhookDeliveryFilter(), logger: .test)
            #expect(attempts.map(\.outcome) == [.dead, .retry, .retry])
            #expect(attempts.map(\.statusCode) == [503, 503, 503])
            #expect(Set(attempts.map(\.webhookId)).count == 1)
            #expect(attempts.map(\.type) == ["InboundMessage", "InboundMessage", "InboundMessage"])
            #expect(zip(attempts, attempts.dropFirst()).allSatisfy { $0.at >= $1.at })
        }
    }

    /// Nothing listens at the subscription's port: each attempt is a connection failure, retried, then dead. A
    /// refused connection ends its attempt at once: both are over in less than one attempt's timeout.
    @Test(arguments: Backend.allCases)
    func anUnreachableReceiverIsRetriedThenGivenUp(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let closed = try freePort()
            try await store.subscribe(tenant, id: "nowhere", url: "http://127.0.0.1:\(closed)/hook")
            let (conversation, contact) = try await store.makeConversation(tenant)
            try await makeApplication(store: store, configure: {
                configure(&$0)
                $0.webhooks.retry.maximumAttempts = 2
                $0.webhooks.timeout = .seconds(60)
            }).test(.live) { client in
                _ = try await inbound(client, tenant, conversation, contact, "hi")
                try await eventually(timeout: .seconds(50)) {
                    try await store.deliveries(WebhookDeliveryFilter(deadOnly: true), logger: .test).first?.attempts == 2
                }
                let dead = try #require(try await store.deliveries(WebhookDeliveryFilter(), logger: .test).first)
                #expect(dead.lastStatusCode == nil)
                #expect(dead.lastError?.isEmpty == false)
                let attempts = try await store.attempts(WebhookDeliveryFilter(deadOnly: true), logger: .test)
                #expect(attempts.map(\.outcome) == [.dead, .retry])
                #expect(attempts.allSatisfy { $0.statusCode == nil && $0.error?.isEmpty == false })
            }
        }
    }

    /// A receiver that never answers in time costs its own deliveries a timeout; another subscription's arrive at once.
    @Test(arguments: Backend.allCases)
    func aHangingReceiverTimesOutAndHoldsUpNobodyElse(_ backend: Backend) async throws {
        // The slow receiver would answer after 20 s: a fast delivery held up behind it would come after that.
        let receiver = WebhookReceiver { path, _ in path == "/slow" ? .init(.ok, delay: .seconds(20)) : .init(.ok) }
        try await withWebhooks(
            backend, receiver: receiver, paths: ["/slow", "/fast"],
            configure: { $0.webhooks.timeout = .milliseconds(300); $0.webhooks.retry.maximumAttempts = 1 }
        ) { store, tenant, conversation, contact, client in
            let started = ContinuousClock.now
            _ = try await inbound(client, tenant, conversation, contact, "hi")
            // Generous bounds: a loaded CI machine (the whole suite runs in parallel on two cores) is slow, not wrong.
            let fast = try await receiver.waitFor(1, to: "/fast", timeout: .seconds(15))
            #expect(fast.count == 1)
            #expect(ContinuousClock.now - started < .seconds(15))
            try await eventually {
                try await store.deliveries(WebhookDeliveryFilter(deadOnly: true), logger: .test).first?.subscriptionId
                    == "sub-slow"
            }
            let dead = try #require(try await store.deliveries(WebhookDeliveryFilter(deadOnly: true), logger: .test).first)
            #expect(dead.lastError == "no answer within 0.3 seconds")
        }
    }

    /// Concurrent writes to one conversation: its events reach the receiver in the order the messages were stored,
    /// even when the first attempt of one of them has to be retried.
    @Test(arguments: Backend.allCases)
    func aConversationsEventsArriveInTheOrderTheyWereStored(_ backend: Backend) async throws {
        let receiver = WebhookReceiver { _, index in index == 2 ? .init(.tooManyRequests) : .init(.ok) }
        try await withWebhooks(backend, receiver: receiver) { store, tenant, conversation, contact, client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 {
                    group.addTask { _ = try await inbound(client, tenant, conversation, contact, "m\(index)") }
                }
                try await group.waitForAll()
            }
            let received = try await receiver.waitFor(13)
            // The outbox's order is the order the writes committed (deliveries list newest event first).
            let committed = try await store.deliveries(WebhookDeliveryFilter(limit: 100), logger: .test)
                .reversed().map(\.webhookId)
            var seen: [String] = []
            for delivery in received {
                if let id = delivery.webhookId, !seen.contains(id) { seen.append(id) }
            }
            #expect(committed.count == 12)
            #expect(seen == committed)
            #expect(received.count == 13)
        }
    }
}

/// Polls `condition` until it holds, for at most `timeout`; records an issue when it never does.
func eventually(
    timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("the condition did not hold within \(timeout)", sourceLocation: sourceLocation)
}
