import Foundation
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// The outbox on both backends: events in the write's transaction, one delivery per receiving subscription, leases,
/// order per conversation, retries, dead deliveries and replay, pruning, and the signing keys.
@Suite struct WebhookStoreTests {
    /// By default to the message events these tests count (an inbound message also brings an unread update).
    private func subscribe(
        _ store: any ConversationStore, _ location: LocationID, _ id: String, events: [String] = WebhookEventType.messages
    ) async throws {
        try await store.createSubscription(
            WebhookSubscription(
                id: id, locationId: location, url: "http://127.0.0.1:9/\(id)", events: events, createdAt: testEpoch),
            logger: .test)
    }

    /// Stores `message` with its event, created at the message's date.
    private func write(_ store: any ConversationStore, _ messages: Message...) async throws {
        try await store.insertMessages(
            messages, events: messages.map { WebhookEvent.message($0, at: $0.dateAdded) }, logger: .test)
    }

    private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(rawValue: testEpoch.rawValue + milliseconds) }

    private func claim(_ store: any ConversationStore, at time: Int64, limit: Int = 10) async throws -> [WebhookDelivery] {
        try await store.claimDueDeliveries(now: at(time), leaseUntil: at(time + 30_000), limit: limit, logger: .test)
    }

    private func record(
        _ store: any ConversationStore, _ delivery: WebhookDelivery, _ outcome: WebhookAttempt.Outcome, at time: Int64,
        status: Int? = 200, next: Int64? = nil
    ) async throws {
        try await store.recordAttempts(
            [WebhookAttempt(
                webhookId: delivery.webhookId, leaseToken: delivery.leaseToken, outcome: outcome, at: at(time), statusCode: status,
                error: status == nil ? "connection refused" : nil, latencyMilliseconds: 3, nextAttemptAt: next.map(at))],
            logger: .test)
    }

    /// An inbound message announces its conversation's new unread count whether it created the conversation (which
    /// is then written with its summary in place) or found it there.
    @Test(arguments: Backend.allCases)
    func anInboundMessageAnnouncesTheUnreadCountOfANewConversationAndOfAnExistingOne(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub-unread", events: ["ConversationUnreadUpdate"])
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            try await write(store, makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: 1))
            func announced(at time: Int64) async throws -> [JSONValue?] {
                var counts: [JSONValue?] = []
                for delivery in try await claim(store, at: time) {
                    let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(delivery.body))
                    #expect(body["id"] == .string(conversation.rawValue))
                    counts.append(body["unreadCount"])
                    try await record(store, delivery, .delivered, at: time)
                }
                return counts
            }
            #expect(try await announced(at: 1) == [.number(1)])
            try await write(store, makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: 2))
            #expect(try await announced(at: 2) == [.number(2)])
        }
    }

    @Test(arguments: Backend.allCases)
    func aLocationNobodyListensToKeepsNoEvents(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let other = try await store.makeTenant()
            try await subscribe(store, other.location, "sub-other")
            try await write(store, makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 1))
            #expect(try await store.pendingDeliveryCount(logger: .test) == 0)
            #expect(try await claim(store, at: 10).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func eachReceivingSubscriptionGetsOneDeliveryWithItsOwnWebhookId(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub-all")
            try await subscribe(store, tenant.location, "sub-outbound", events: ["OutboundMessage"])
            let message = makeMessage(
                conversation: .generate(), location: tenant.location, contact: .generate(), direction: .inbound, at: 1)
            try await write(store, message)
            #expect(try await store.pendingDeliveryCount(logger: .test) == 1)
            let claimed = try await claim(store, at: 1)
            #expect(claimed.count == 1)
            let delivery = try #require(claimed.first)
            #expect(delivery.subscriptionId == "sub-all")
            #expect(delivery.url == "http://127.0.0.1:9/sub-all")
            #expect(delivery.type == "InboundMessage")
            #expect(delivery.attempts == 0)
            #expect(delivery.webhookId.count == 36)
            let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(delivery.body))
            #expect(body["webhookId"] == .string(delivery.webhookId))
            #expect(body["timestamp"] == .string(message.dateAdded.iso8601))
            #expect(body["messageId"] == .string(message.id.rawValue))
            #expect(body["type"] == .string("InboundMessage"))
            // Leased: not claimed again until the lease runs out, then the same delivery with the same id.
            #expect(try await claim(store, at: 2).isEmpty)
            let again = try await claim(store, at: 40_000)
            #expect(again.map(\.webhookId) == [delivery.webhookId])
        }
    }

    @Test(arguments: Backend.allCases)
    func aRefusedWriteEmitsNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub")
            let first = makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 1)
            try await write(store, first)
            var again = makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 2)
            again.id = first.id
            await #expect(throws: StoreError.duplicate) { try await write(store, again) }
            #expect(try await store.pendingDeliveryCount(logger: .test) == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aConversationsEventsGoOutInOrderAndOthersAreNotHeldUp(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub")
            let (a, b, contactA, contactB) = (ConversationID.generate(), ConversationID.generate(), ContactID.generate(), ContactID.generate())
            let a1 = makeMessage(conversation: a, location: tenant.location, contact: contactA, at: 1, body: "a1")
            let a2 = makeMessage(conversation: a, location: tenant.location, contact: contactA, at: 2, body: "a2")
            let b1 = makeMessage(conversation: b, location: tenant.location, contact: contactB, at: 3, body: "b1")
            let b2 = makeMessage(conversation: b, location: tenant.location, contact: contactB, at: 4, body: "b2")
            try await write(store, a1)
            try await write(store, a2)
            try await write(store, b1, b2)
            // Only the head of each conversation is due.
            let heads = try await claim(store, at: 10)
            #expect(heads.count == 2)
            let headA = try #require(heads.first { $0.payload.contains(subsequence: "\"a1\"") })
            let headB = try #require(heads.first { $0.payload.contains(subsequence: "\"b1\"") })
            // a1 is to be retried later: a2 waits behind it; b1 is delivered: b2 is due at once.
            try await record(store, headA, .retry, at: 11, status: 429, next: 600_000)
            try await record(store, headB, .delivered, at: 11)
            let next = try await claim(store, at: 12)
            #expect(next.count == 1)
            #expect(next.first?.payload.contains(subsequence: "\"b2\"") == true)
            try await record(store, try #require(next.first), .delivered, at: 13)
            // When a1's retry is due it goes, with its attempt counted, and then a2.
            let retried = try await claim(store, at: 600_000)
            #expect(retried.map(\.webhookId) == [headA.webhookId])
            #expect(retried.first?.attempts == 1)
            // Recorded under the new claim's lease (the first claim's lease is over).
            try await record(store, try #require(retried.first), .delivered, at: 600_001)
            let last = try await claim(store, at: 600_002)
            #expect(last.count == 1)
            #expect(last.first?.payload.contains(subsequence: "\"a2\"") == true)
        }
    }

    /// The bodies' `body` fields of each run, in order.
    private func bodies(_ runs: [[WebhookDelivery]]) throws -> [[String]] {
        try runs.map { run in
            try run.map { delivery in
                let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(delivery.payload))
                guard case .string(let text) = body["body"] else { return "?" }
                return text
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aRunLeasesAConversationsNextEventsInOrderUpToTheFirstThatMayNotGo(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub")
            let (a, b, contactA, contactB) = (ConversationID.generate(), ConversationID.generate(), ContactID.generate(), ContactID.generate())
            for (index, name) in ["a1", "a2", "a3", "a4"].enumerated() {
                try await write(store, makeMessage(conversation: a, location: tenant.location, contact: contactA, at: Int64(index + 1), body: name))
            }
            try await write(
                store, makeMessage(conversation: b, location: tenant.location, contact: contactB, at: 5, body: "b1"),
                makeMessage(conversation: b, location: tenant.location, contact: contactB, at: 6, body: "b2"))
            func runs(at time: Int64) async throws -> [[WebhookDelivery]] {
                try await store.claimDueRuns(
                    now: at(time), leaseUntil: at(time + 30_000), limit: 10, perConversation: 3, logger: .test)
            }
            // Up to three of each conversation, oldest first; the fourth waits behind them.
            let first = try await runs(at: 10)
            #expect(try bodies(first) == [["a1", "a2", "a3"], ["b1", "b2"]])
            #expect(try await runs(at: 11).isEmpty)
            // a1 delivered, a2 to be retried, a3 not attempted (released); b done.
            let (runA, runB) = (first[0], first[1])
            func attempt(_ delivery: WebhookDelivery, _ outcome: WebhookAttempt.Outcome, next: Int64? = nil) -> WebhookAttempt {
                WebhookAttempt(
                    webhookId: delivery.webhookId, leaseToken: delivery.leaseToken, outcome: outcome, at: at(12),
                    statusCode: outcome == .delivered ? 200 : 429, error: nil, latencyMilliseconds: 1,
                    nextAttemptAt: next.map(at))
            }
            try await store.recordAttempts(
                [attempt(runA[0], .delivered), attempt(runA[1], .retry, next: 600_000), attempt(runB[0], .delivered),
                 attempt(runB[1], .delivered)],
                releasing: [runA[2].lease], logger: .test)
            // a2's retry holds back a3 and a4, released or never leased.
            #expect(try await runs(at: 13).isEmpty)
            let retried = try await runs(at: 600_000)
            #expect(try bodies(retried) == [["a2", "a3", "a4"]])
            #expect(retried[0].map(\.attempts) == [1, 0, 0])
            #expect(retried[0][1].webhookId == runA[2].webhookId)
            // Only the claim's own token releases its leases.
            let run = retried[0]
            try await store.recordAttempts([], releasing: run.map { WebhookLease(webhookId: $0.webhookId, token: "other") }, logger: .test)
            #expect(try await runs(at: 600_001).isEmpty)
            // a2 dies: the events after it go on at once.
            try await store.recordAttempts(
                [WebhookAttempt(
                    webhookId: run[0].webhookId, leaseToken: run[0].leaseToken, outcome: .dead, at: at(600_002),
                    statusCode: 500, error: "HTTP 500", latencyMilliseconds: 1, nextAttemptAt: nil)],
                releasing: run.dropFirst().map(\.lease), logger: .test)
            let rest = try await runs(at: 600_003)
            #expect(try bodies(rest) == [["a3", "a4"]])
            #expect(rest[0].map(\.webhookId) == Array(run.dropFirst().map(\.webhookId)))
            #expect(try await store.pendingDeliveryCount(logger: .test) == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeadDeliveryLetsItsConversationGoOnAndCanBeReplayed(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub")
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            try await write(store, makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: 1, body: "m1"))
            try await write(store, makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: 2, body: "m2"))
            let first = try #require(try await claim(store, at: 10).first)
            try await record(store, first, .dead, at: 11, status: 500)
            let second = try #require(try await claim(store, at: 12).first)
            #expect(second.payload.contains(subsequence: "\"m2\""))
            try await record(store, second, .delivered, at: 13)

            let dead = try await store.deliveries(WebhookDeliveryFilter(deadOnly: true), logger: .test)
            #expect(dead.map(\.webhookId) == [first.webhookId])
            #expect(dead.first?.state == .dead)
            #expect(dead.first?.lastStatusCode == 500)
            #expect(dead.first?.attempts == 1)
            let all = try await store.deliveries(WebhookDeliveryFilter(subscriptionId: "sub"), logger: .test)
            #expect(all.map(\.webhookId) == [second.webhookId, first.webhookId])
            #expect(all.first?.state == .delivered)
            #expect(all.first?.latencyMilliseconds == 3)

            #expect(try await store.replay(webhookId: nil, at: at(20), logger: .test) == 1)
            let replayed = try await claim(store, at: 20)
            #expect(replayed.map(\.webhookId) == [first.webhookId])
            #expect(replayed.first?.attempts == 0)
            #expect(try await store.replay(webhookId: "no-such-id", at: at(21), logger: .test) == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func deliveredEventsArePrunedAndARemovedSubscriptionGetsNothingMore(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "kept")
            try await subscribe(store, tenant.location, "removed")
            try await write(store, makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 1))
            #expect(try await store.pendingDeliveryCount(logger: .test) == 2)
            #expect(try await store.removeSubscription("removed", logger: .test))
            #expect(try await !store.removeSubscription("removed", logger: .test))
            #expect(try await store.subscriptions(in: tenant.location, logger: .test).map(\.id) == ["kept"])
            let delivery = try #require(try await claim(store, at: 5).first)
            #expect(delivery.subscriptionId == "kept")
            try await record(store, delivery, .delivered, at: 6)
            #expect(try await store.pendingDeliveryCount(logger: .test) == 0)
            #expect(try await store.pruneDeliveries(settledBefore: at(6), limit: 10, logger: .test) == 0)
            #expect(try await store.pruneDeliveries(settledBefore: at(7), limit: 10, logger: .test) == 1)
            #expect(try await store.deliveries(WebhookDeliveryFilter(), logger: .test).isEmpty)
        }
    }

    /// An attempt that outlived its lease (its deliverer stalled, another took the delivery over) is not recorded:
    /// the new holder's lease and outcome stand.
    @Test(arguments: Backend.allCases)
    func anOutcomeAfterItsLeaseWasTakenOverIsDropped(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub")
            try await write(store, makeMessage(conversation: .generate(), location: tenant.location, contact: .generate(), at: 1))
            let stalled = try #require(try await claim(store, at: 10).first)
            let takeover = try #require(try await claim(store, at: 40_000).first)
            #expect(takeover.webhookId == stalled.webhookId)
            #expect(takeover.leaseToken != stalled.leaseToken)
            try await record(store, stalled, .dead, at: 40_001, status: 500)
            // Still pending and leased by the takeover: not claimable, not dead.
            #expect(try await claim(store, at: 40_002).isEmpty)
            #expect(try await store.deliveries(WebhookDeliveryFilter(deadOnly: true), logger: .test).isEmpty)
            #expect(try await store.replay(webhookId: stalled.webhookId, at: at(40_003), logger: .test) == 0)
            try await record(store, takeover, .delivered, at: 40_004)
            let records = try await store.deliveries(WebhookDeliveryFilter(), logger: .test)
            #expect(records.map(\.state) == [.delivered])
            #expect(records.first?.attempts == 1)
        }
    }

    /// A retried delivery holds its conversation's later ones back until it is due, so claims meanwhile do not walk
    /// past them; dead and delivered deliveries are both pruned after the retention.
    @Test(arguments: Backend.allCases)
    func aRetryHoldsItsConversationBackAndDeadOnesArePrunedToo(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await subscribe(store, tenant.location, "sub")
            let (conversation, contact) = (ConversationID.generate(), ContactID.generate())
            for index in 1...3 {
                try await write(store, makeMessage(conversation: conversation, location: tenant.location, contact: contact, at: Int64(index)))
            }
            let head = try #require(try await claim(store, at: 10).first)
            try await record(store, head, .retry, at: 11, status: 429, next: 5_000)
            let held = try await store.deliveries(WebhookDeliveryFilter(), logger: .test)
            #expect(held.count == 3)
            #expect(try await claim(store, at: 4_999).isEmpty)
            let again = try #require(try await claim(store, at: 5_000).first)
            #expect(again.webhookId == head.webhookId)
            try await record(store, again, .dead, at: 5_001, status: 429)
            let second = try #require(try await claim(store, at: 5_002).first)
            try await record(store, second, .delivered, at: 5_003)
            #expect(try await store.pruneDeliveries(settledBefore: at(6_000), limit: 1, logger: .test) == 1)
            #expect(try await store.pruneDeliveries(settledBefore: at(6_000), limit: 10, logger: .test) == 1)
            #expect(try await store.deliveries(WebhookDeliveryFilter(), logger: .test).count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aSubscriptionNeedsAKnownLocation(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            await #expect(throws: StoreError.missingReference) {
                try await subscribe(store, LocationID(rawValue: "nowhere"), "sub")
            }
            let subscriptions = try await store.subscriptions(in: nil, logger: .test)
            #expect(subscriptions.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func webhookKeysAreCreatedOnceAndRotatedWithAGracePeriod(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let first = SigningKey(id: "ed-1", secret: Array(repeating: 1, count: 32), createdAt: at(0))
            let loser = SigningKey(id: "ed-x", secret: Array(repeating: 9, count: 32), createdAt: at(0))
            #expect(try await store.activeWebhookKey(.ed25519, orCreate: first, logger: .test) == first)
            #expect(try await store.activeWebhookKey(.ed25519, orCreate: loser, logger: .test) == first)
            let rsa = SigningKey(id: "rsa-1", secret: [1, 2, 3], createdAt: at(0))
            #expect(try await store.activeWebhookKey(.rsa, orCreate: rsa, logger: .test) == rsa)
            let next = SigningKey(id: "ed-2", secret: Array(repeating: 2, count: 32), createdAt: at(100))
            try await store.rotateWebhookKeys(to: [.ed25519: next], at: at(100), logger: .test)
            #expect(try await store.activeWebhookKey(.ed25519, orCreate: loser, logger: .test) == next)
            let listed = try await store.webhookKeys(retiredAfter: at(50), logger: .test)
            #expect(listed.map(\.key.id) == ["ed-1", "rsa-1", "ed-2"])
            #expect(listed.first?.key.retiredAt == at(100))
            #expect(listed.map(\.algorithm) == [.ed25519, .rsa, .ed25519])
            #expect(try await store.webhookKeys(retiredAfter: at(100), logger: .test).map(\.key.id) == ["rsa-1", "ed-2"])
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(subsequence text: String) -> Bool {
        String(decoding: self, as: UTF8.self).contains(text)
    }
}
