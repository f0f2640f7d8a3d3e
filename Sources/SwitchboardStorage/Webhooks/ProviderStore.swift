public import Logging
public import SwitchboardCore

/// The conversation-provider room of the store: custom SMS and email providers per location. Each provider has a
/// webhook subscription of the same id (its delivery URL), made and removed with it, through which its
/// `ProviderOutboundMessage`s go; `subscriptions(in:)` does not list those, and `removeSubscription` leaves them.
public protocol ProviderStore: Sendable {
    /// Stores the provider and its subscription; a default provider takes over as its channel's default.
    /// Throws `StoreError.missingReference` for an unknown location.
    func createProvider(_ provider: ConversationProvider, logger: Logger) async throws
    /// Every provider, or the location's, oldest first.
    func providers(in location: LocationID?, logger: Logger) async throws -> [ConversationProvider]
    /// Removes the provider, its subscription and what it has not yet been delivered; returns whether it existed.
    func removeProvider(_ id: String, logger: Logger) async throws -> Bool
}
