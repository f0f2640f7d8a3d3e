import CoreMetrics
import Logging
import SwitchboardCore
import SwitchboardStorage

/// Wraps a store to time every operation into `switchboard_store_query_duration_seconds`, count stored messages,
/// and tell `writes` (the cached answers, the replica's routing) once a write has committed, before it is acknowledged.
struct InstrumentedStore<Base: ConversationStore>: ConversationStore {
    let base: Base
    let metrics: ServerMetrics
    let writes: CommittedWrites

    /// Times `body` as one store operation (the OAuth and webhook extensions use it too).
    @inline(__always)
    func measure<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { metrics.recordStoreQuery(operation, duration: ContinuousClock.now - start) }
        return try await body()
    }

    func createLocation(_ location: Location, logger: Logger) async throws {
        try await measure("createLocation") { try await base.createLocation(location, logger: logger) }
    }
    func location(_ id: LocationID, logger: Logger) async throws -> Location? {
        try await measure("location") { try await base.location(id, logger: logger) }
    }
    func locations(logger: Logger) async throws -> [Location] {
        try await measure("locations") { try await base.locations(logger: logger) }
    }
    func createToken(_ token: StoredToken, logger: Logger) async throws {
        try await measure("createToken") { try await base.createToken(token, logger: logger) }
    }
    func tokens(in location: LocationID?, logger: Logger) async throws -> [StoredToken] {
        try await measure("tokens") { try await base.tokens(in: location, logger: logger) }
    }
    func revokeToken(idOrHash: String, at time: Timestamp, logger: Logger) async throws -> Bool {
        try await measure("revokeToken") { try await base.revokeToken(idOrHash: idOrHash, at: time, logger: logger) }
    }
    func activeToken(hash: TokenHash, logger: Logger) async throws -> StoredToken? {
        try await measure("activeToken") { try await base.activeToken(hash: hash, logger: logger) }
    }
    func createContact(_ contact: Contact, logger: Logger) async throws {
        try await measure("createContact") { try await base.createContact(contact, logger: logger) }
    }
    func contact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> Contact? {
        try await measure("contact") { try await base.contact(id, in: location, logger: logger) }
    }
    func deleteContact(_ id: ContactID, in location: LocationID, logger: Logger) async throws -> [ConversationID]? {
        let conversations = try await measure("deleteContact") {
            try await base.deleteContact(id, in: location, logger: logger)
        }
        if let conversations { writes.invalidate(conversations) }
        return conversations
    }
    func listContacts(_ query: ContactQuery, logger: Logger) async throws -> (contacts: [Contact], total: Int) {
        try await measure("listContacts") { try await base.listContacts(query, logger: logger) }
    }
    func locationOfContact(_ id: ContactID, logger: Logger) async throws -> LocationID? {
        try await measure("locationOfContact") { try await base.locationOfContact(id, logger: logger) }
    }
    func findContact(email: String?, phone: String?, in location: LocationID, logger: Logger) async throws -> Contact? {
        try await measure("findContact") { try await base.findContact(email: email, phone: phone, in: location, logger: logger) }
    }
    func updateContact(_ contact: Contact, logger: Logger) async throws {
        try await measure("updateContact") { try await base.updateContact(contact, logger: logger) }
    }
    func createMissing(locations: [Location], contacts: [Contact], logger: Logger) async throws {
        try await measure("createMissing") {
            try await base.createMissing(locations: locations, contacts: contacts, logger: logger)
        }
    }
    func createConversation(_ conversation: Conversation, logger: Logger) async throws {
        try await measure("createConversation") { try await base.createConversation(conversation, logger: logger) }
    }
    func conversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Conversation? {
        try await measure("conversation") { try await base.conversation(id, in: location, logger: logger) }
    }
    func locationOfConversation(_ id: ConversationID, logger: Logger) async throws -> LocationID? {
        try await measure("locationOfConversation") { try await base.locationOfConversation(id, logger: logger) }
    }
    func conversation(forContact contact: ContactID, in location: LocationID, logger: Logger) async throws -> Conversation? {
        try await measure("conversationForContact") { try await base.conversation(forContact: contact, in: location, logger: logger) }
    }
    func updateConversation(
        _ id: ConversationID, in location: LocationID, changes: ConversationChanges, at time: Timestamp, logger: Logger
    ) async throws -> Conversation? {
        try await measure("updateConversation") {
            try await base.updateConversation(id, in: location, changes: changes, at: time, logger: logger)
        }
    }
    func deleteConversation(_ id: ConversationID, in location: LocationID, logger: Logger) async throws -> Bool {
        defer { writes.invalidate([id]) }
        return try await measure("deleteConversation") { try await base.deleteConversation(id, in: location, logger: logger) }
    }
    func searchConversations(_ query: ConversationSearchQuery, logger: Logger) async throws -> ConversationSearchResult {
        try await measure("searchConversations") { try await base.searchConversations(query, logger: logger) }
    }
    func insertMessages(_ messages: [Message], events: [WebhookEvent], logger: Logger) async throws {
        try await measure("insertMessages") { try await base.insertMessages(messages, events: events, logger: logger) }
        writes.invalidate(Set(messages.map(\.conversationId)))
        metrics.messagesStored.increment(by: Int64(messages.count))
    }
    func withImport<Result: Sendable>(
        allOrNothing: Bool, logger: Logger, _ body: (any MessageImportWriter) async throws -> Result
    ) async throws -> Result {
        // An import may touch any conversation, and its writes bypass this wrapper's `insertMessages`.
        defer { writes.invalidateAll() }
        return try await base.withImport(allOrNothing: allOrNothing, logger: logger, body)
    }
    func messagePage(_ query: MessagePageQuery, logger: Logger) async throws -> MessagePage {
        try await measure("messagePage") { try await base.messagePage(query, logger: logger) }
    }
    func message(_ id: MessageID, in location: LocationID, logger: Logger) async throws -> Message? {
        try await measure("message") { try await base.message(id, in: location, logger: logger) }
    }
    func locationOfMessage(_ id: MessageID, logger: Logger) async throws -> LocationID? {
        try await measure("locationOfMessage") { try await base.locationOfMessage(id, logger: logger) }
    }
    func updateMessageStatus(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, logger: Logger
    ) async throws -> Message? {
        let message = try await measure("updateMessageStatus") {
            try await base.updateMessageStatus(id, in: location, status: status, at: time, logger: logger)
        }
        if let message { writes.invalidate([message.conversationId]) }
        return message
    }
    func exportMessages(_ query: MessageExportQuery, logger: Logger) async throws -> MessageExportPage {
        try await measure("exportMessages") { try await base.exportMessages(query, logger: logger) }
    }
    func ping(logger: Logger) async throws {
        try await measure("ping") { try await base.ping(logger: logger) }
    }
var seesEveryWrite: Bool { base.seesEveryWrite }

        func changeToken(logger: Logger) async throws -> Int64? {
        try await base.changeToken(logger: logger)
    }
}
