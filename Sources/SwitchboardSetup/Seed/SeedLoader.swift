public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// Puts a seed file's state into a store: at start, and after every reset.
public enum SeedLoader {
    public enum ExistingLocations: Sendable {
        /// A location the store already has keeps what it has and gets nothing from the seed (a server started
        /// again on its own file).
        case keep
        /// Each location gets the seed's tokens it lacks and its contacts, conversations and messages (after a
        /// reset, which emptied them).
        case fill
    }

    /// The locations loaded; those skipped under `.keep` are logged.
    @discardableResult
    public static func load(
        _ seed: Seed, into store: some ConversationStore, at time: Timestamp, existing: ExistingLocations,
        logger: Logger
    ) async throws -> Set<LocationID> {
        let present = Set(try await store.locations(logger: logger).map(\.id))
        var loaded: Set<LocationID> = []
        for location in seed.locations {
            if existing == .keep && present.contains(location.id) {
                logger.notice(
                    "seed: location \(location.id.rawValue) is already in the store; it keeps what it has")
                continue
            }
            loaded.insert(location.id)
        }
        let locations = seed.locations.filter { loaded.contains($0.id) }
        try await store.createMissing(
            locations: locations.map { Location(id: $0.id, name: $0.name, dateAdded: time) },
            contacts: seed.contacts.filter { loaded.contains($0.locationId) }, logger: logger)
        for location in locations {
            let kept = Set(try await store.tokens(in: location.id, logger: logger).map(\.hash))
            // A token the store has (even revoked) stays as it is: its hash is unique.
            for token in location.tokens where !kept.contains(TokenHash(token: token.token)) {
                try await store.createToken(
                    StoredToken(
                        id: "tok_" + HighLevelID.make(), hash: TokenHash(token: token.token), locationId: location.id,
                        name: "seed", scopes: token.scopes, createdAt: time),
                    logger: logger)
            }
        }
        let conversations = seed.conversations.filter { loaded.contains($0.conversation.locationId) }
        for conversation in conversations {
            try await store.createConversation(conversation.conversation, logger: logger)
        }
        let messages = seed.messages.filter { loaded.contains($0.locationId) }
        var offset = 0
        while offset < messages.count {
            let batch = Array(messages[offset..<min(offset + 1_000, messages.count)])
            try await store.insertMessages(batch, events: [], logger: logger)
            offset += batch.count
        }
        // Inbound messages counted as unread on the way in; the file's own count, when it gives one, wins.
        var newest: [ConversationID: Timestamp] = [:]
        for message in messages { newest[message.conversationId] = max(newest[message.conversationId] ?? message.dateAdded, message.dateAdded) }
        for conversation in conversations {
            guard let unread = conversation.unreadCount else { continue }
            let stored = conversation.conversation
            _ = try await store.updateConversation(
                stored.id, in: stored.locationId, changes: ConversationChanges(unreadCount: unread),
                at: max(stored.dateUpdated, newest[stored.id] ?? stored.dateUpdated), logger: logger)
        }
        return loaded
    }
}
