import SwitchboardCore

/// How a page request is read, in one place for both doors: the router reads the query through Hummingbird, the
/// hot path through its own byte scanner (`HotPath.cacheKey`), and both end here, so what a request means and what
/// its answer is cached under cannot drift apart.
extension MessagePageQuery {
    /// `limit`, `lastMessageId` and `type` of `GET /conversations/{id}/messages`; every problem at once, as one 422.
    init(
        limit rawLimit: Substring?, lastMessageId rawCursor: Substring?, types rawTypes: [Substring],
        conversationId: ConversationID, locationId: LocationID
    ) throws(ValidationFailure) {
        var problems: [String] = []
        var limit = MessagePageQuery.defaultLimit
        var filter: MessageTypeFilter?
        do { limit = try PageLimit.parse(rawLimit) } catch { problems += error.messages }
        do { filter = try MessageTypeFilter.parse(rawTypes) } catch { problems += error.messages }
        guard problems.isEmpty else { throw ValidationFailure(messages: problems) }
        // An empty cursor is no cursor: some clients send `lastMessageId=` on the first call.
        let cursor = rawCursor.flatMap { $0.isEmpty ? nil : MessageID(rawValue: String($0)) }
        self.init(conversationId: conversationId, locationId: locationId, lastMessageId: cursor, limit: limit, filter: filter)
    }

    /// The router's reading: a repeated `limit` or `lastMessageId` is a validation error too.
    init(_ parameters: QueryParameters, conversationId: ConversationID, locationId: LocationID) throws(ValidationFailure) {
        var problems: [String] = []
        var limit: Substring?
        var cursor: Substring?
        do { limit = try parameters.single("limit") } catch { problems += error.messages }
        do { cursor = try parameters.single("lastMessageId") } catch { problems += error.messages }
        do {
            try self.init(
                limit: limit, lastMessageId: cursor, types: parameters.all("type"), conversationId: conversationId,
                locationId: locationId)
        } catch {
            throw ValidationFailure(messages: problems + error.messages)
        }
        guard problems.isEmpty else { throw ValidationFailure(messages: problems) }
    }
}

extension ResponseCache.Key {
    /// What a page's answer is cached under.
    init(page query: MessagePageQuery) {
        self.init(
            kind: .page, location: query.locationId, conversation: query.conversationId,
            item: query.lastMessageId?.rawValue ?? "", limit: query.limit, filter: query.filter?.types.map(\.code) ?? [])
    }
}
