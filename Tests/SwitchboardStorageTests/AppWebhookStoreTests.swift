import Foundation
import SwitchboardCore
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// An OAuth app's subscription on both backends (issue 16): the events of every location the app is installed on,
/// as far as each installation's scopes allow, each delivery with the app's `appId`.
@Suite struct AppWebhookStoreTests {
    private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(rawValue: testEpoch.rawValue + milliseconds) }

    /// Stores an inbound SMS in `location` with its message event; the store adds its conversation's unread update.
    private func write(_ store: any ConversationStore, in location: LocationID, at time: Int64) async throws -> Message {
        let message = makeMessage(conversation: .generate(), location: location, contact: .generate(), at: time)
        try await store.insertMessages([message], events: [WebhookEvent.message(message, at: message.dateAdded)], logger: .test)
        return message
    }

    private func claimAll(_ store: any ConversationStore, at time: Int64) async throws -> [WebhookDelivery] {
        try await store.claimDueDeliveries(now: at(time), leaseUntil: at(time + 30_000), limit: 100, logger: .test)
    }

    private func makeApp(
        _ store: any ConversationStore, scopes: Set<Scope> = Set(Scope.allCases), events: [String] = []
    ) async throws -> (app: OAuthApp, subscription: WebhookSubscription) {
        let (app, _, subscription) = try await OAuthSetup.createApp(
            store, name: "marketplace app", scopes: scopes, webhookURL: "http://127.0.0.1:9/app", events: events,
            now: testEpoch, logger: .test)
        return (app, try #require(subscription))
    }

    private func install(_ store: any ConversationStore, _ app: OAuthApp, on target: OAuthSetup.Target) async throws {
        _ = try await OAuthSetup.install(
            store, clientId: app.clientId, on: target, grant: .refreshToken, now: testEpoch, logger: .test)
    }

    @Test(arguments: Backend.allCases)
    func anAppReceivesTheEventsOfEachLocationItIsInstalledOnWithItsAppId(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let first = try await store.makeTenant()
            let second = try await store.makeTenant()
            let elsewhere = try await store.makeTenant()
            let (app, subscription) = try await makeApp(store, events: ["InboundMessage"])
            try await install(store, app, on: .location(first.location))
            try await install(store, app, on: .location(second.location))
            // A company installation covers no location's events by itself.
            try await install(store, app, on: .company("Company0000000000001"))

            let one = try await write(store, in: first.location, at: 1)
            let two = try await write(store, in: second.location, at: 2)
            _ = try await write(store, in: elsewhere.location, at: 3)
            let claimed = try await claimAll(store, at: 10)
            #expect(claimed.map(\.subscriptionId) == [subscription.id, subscription.id])
            #expect(claimed.map(\.type) == ["InboundMessage", "InboundMessage"])
            #expect(claimed.map(\.appClientId) == [app.clientId, app.clientId])
            let bodies = try claimed.map { try JSONDecoder().decode([String: JSONValue].self, from: Data($0.body)) }
            #expect(bodies.map { $0["messageId"] } == [.string(one.id.rawValue), .string(two.id.rawValue)])
            #expect(bodies.map { $0["locationId"] } == [.string(first.location.rawValue), .string(second.location.rawValue)])
            // The client id's part before its first `-`, as the official SDKs compare it.
            let appId = try #require(app.clientId.split(separator: "-").first.map(String.init))
            #expect(bodies.map { $0["appId"] } == [.string(appId), .string(appId)])
            #expect(appId.count == 24)

            // Uninstalled from the second location: its events stop; the first's go on.
            try await OAuthSetup.uninstall(store, clientId: app.clientId, from: .location(second.location), logger: .test)
            _ = try await write(store, in: second.location, at: 20)
            let third = try await write(store, in: first.location, at: 21)
            let later = try await claimAll(store, at: 40)
            #expect(later.count == 1)
            let laterBody = try JSONDecoder().decode([String: JSONValue].self, from: Data(try #require(later.first).body))
            #expect(laterBody["messageId"] == .string(third.id.rawValue))

            // Listed among all subscriptions as the app's, not among a location's own.
            let all = try await store.subscriptions(in: nil, logger: .test)
            #expect(all.map(\.owner) == [.app(clientId: app.clientId)])
            #expect(try await store.subscriptions(in: first.location, logger: .test).isEmpty)

            // Deleting the app takes its subscription, and what it had not been delivered, with it.
            #expect(try await store.deleteApp(clientId: app.clientId, logger: .test))
            #expect(try await store.subscriptions(in: nil, logger: .test).isEmpty)
            #expect(try await store.pendingDeliveryCount(logger: .test) == 0)
        }
    }

    /// Message events need `conversations/message.readonly`, unread updates `conversations.readonly` (CONTRACT.md
    /// §9.1): an installation without a scope gets none of its events, whatever the subscription asks for.
    @Test(arguments: Backend.allCases)
    func anInstallationsScopesDecideWhichEventsItsAppReceives(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (app, subscription) = try await makeApp(store, scopes: [.conversationsReadonly, .conversationsWrite])
            #expect(subscription.events.isEmpty)
            try await install(store, app, on: .location(tenant.location))
            _ = try await write(store, in: tenant.location, at: 1)
            let claimed = try await claimAll(store, at: 10)
            #expect(claimed.map(\.type) == [UnreadWebhookEvent.type])

            // A location's own subscription beside it gets both: it is the location's, with every scope.
            let own = try await WebhookSetup.addSubscription(
                store, location: tenant.location, url: "http://127.0.0.1:9/own", events: [], now: testEpoch, logger: .test)
            _ = try await write(store, in: tenant.location, at: 20)
            let ownDeliveries = try await store.deliveries(WebhookDeliveryFilter(subscriptionId: own.id), logger: .test)
            #expect(Set(ownDeliveries.map(\.type)) == ["InboundMessage", UnreadWebhookEvent.type])
            let appDeliveries = try await store.deliveries(WebhookDeliveryFilter(subscriptionId: subscription.id), logger: .test)
            #expect(appDeliveries.map(\.type) == [UnreadWebhookEvent.type, UnreadWebhookEvent.type])
            // A conversation's events go out in order: its message event first, without an appId for the location's own.
            let next = try await claimAll(store, at: 40)
            #expect(next.filter { $0.subscriptionId == own.id }.map(\.type) == ["InboundMessage"])
            #expect(next.first { $0.subscriptionId == own.id }?.appClientId == nil)
        }
    }

    /// An event the app's scopes can never allow, an unknown app, or a URL that is not http(s) is refused before
    /// anything is stored.
    @Test(arguments: Backend.allCases)
    func subscriptionsTheAppCannotHaveAreRefusedAndStoreNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            await #expect(throws: WebhookSetup.Refusal.self) {
                try await OAuthSetup.createApp(
                    store, name: "no messages", scopes: [.conversationsReadonly], webhookURL: "http://127.0.0.1:9/app",
                    events: ["InboundMessage"], now: testEpoch, logger: .test)
            }
            await #expect(throws: WebhookSetup.Refusal.self) {
                try await OAuthSetup.createApp(
                    store, name: "bad url", scopes: Set(Scope.allCases), webhookURL: "ftp://127.0.0.1/app", events: [],
                    now: testEpoch, logger: .test)
            }
            let apps = try await store.apps(logger: .test)
            #expect(apps.isEmpty)
            let refusal = await #expect(throws: WebhookSetup.Refusal.self) {
                try await WebhookSetup.addSubscription(
                    store, owner: .app(clientId: "NoSuchApp-abcdefgh"), url: "http://127.0.0.1:9/app", events: [],
                    now: testEpoch, logger: .test)
            }
            #expect(refusal?.description == "no app with client id NoSuchApp-abcdefgh; create one with `switchboard app create`")
            let subscriptions = try await store.subscriptions(in: nil, logger: .test)
            #expect(subscriptions.isEmpty)
        }
    }
}
