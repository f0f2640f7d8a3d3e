public import Foundation
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// What `switchboard webhook …` and `switchboard provider …` do to a store, checked as a user would want: a known location, an http(s) URL
/// with a host, known event names.
public enum WebhookSetup {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public static func addSubscription(
        _ store: some ConversationStore, location: LocationID, url: String, events: [String], now: Timestamp,
        logger: Logger
    ) async throws -> WebhookSubscription {
        try await addSubscription(store, owner: .location(location), url: url, events: events, now: now, logger: logger)
    }

    /// A location's subscription, or an app's: the events of every location the app is installed on, as far as each
    /// installation's scopes allow (an event its app's scopes can never allow is refused here).
    public static func addSubscription(
        _ store: some ConversationStore, owner: WebhookSubscription.Owner, url: String, events: [String],
        now: Timestamp, logger: Logger
    ) async throws -> WebhookSubscription {
        try checkURL(url)
        try checkEvents(events)
        switch owner {
        case .location(let location):
            guard try await store.location(location, logger: logger) != nil else {
                throw Refusal(description: "no location \(location); create one with `switchboard location create`")
            }
        case .app(let clientId):
            guard let app = try await store.app(clientId: clientId, logger: logger) else {
                throw Refusal(description: "no app with client id \(clientId); create one with `switchboard app create`")
            }
            try checkEvents(events, allowedBy: app.scopes)
        }
        let subscription = WebhookSubscription(
            id: "sub_" + HighLevelID.make(), owner: owner, url: url, events: Array(Set(events)).sorted(), createdAt: now)
        try await store.createSubscription(subscription, logger: logger)
        return subscription
    }

    /// Registers a custom conversation provider: sends of its channel that name it (or, as the default, name none)
    /// are delivered to `deliveryURL` as `ProviderOutboundMessage`s.
    public static func addProvider(
        _ store: some ConversationStore, location: LocationID, name: String, channel: ConversationProvider.Channel,
        deliveryURL: String, isDefault: Bool, now: Timestamp, logger: Logger
    ) async throws -> ConversationProvider {
        try checkURL(deliveryURL)
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refusal(description: "the name is empty") }
        guard try await store.location(location, logger: logger) != nil else {
            throw Refusal(description: "no location \(location); create one with `switchboard location create`")
        }
        let provider = ConversationProvider(
            id: HighLevelID.make(), locationId: location, name: name, channel: channel, deliveryURL: deliveryURL,
            isDefault: isDefault, createdAt: now)
        try await store.createProvider(provider, logger: logger)
        return provider
    }

    /// Known event names only; with `scopes` (an app's), only events those scopes can ever allow.
    public static func checkEvents(_ events: [String], allowedBy scopes: Set<Scope>? = nil) throws {
        let unknown = events.filter { !WebhookEventType.all.contains($0) }
        guard unknown.isEmpty else {
            throw Refusal(
                description: "unknown event \(unknown.joined(separator: ", ")); the events are "
                    + WebhookEventType.all.joined(separator: ", "))
        }
        guard let scopes else { return }
        for event in events {
            if let scope = WebhookEventType.requiredScope(of: event), !scopes.contains(scope) {
                throw Refusal(description: "the app cannot receive \(event): its scopes lack \(scope.rawValue)")
            }
        }
    }

    /// Only `http` and `https` URLs with a host are delivered to.
    public static func checkURL(_ url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw Refusal(description: "\(url) is not an http:// or https:// URL with a host")
        }
    }
}
