public import Logging
import PostgresNIO
public import SwitchboardCore
import SwitchboardStorage

extension PostgresConversationStore {
    /// Rows per `unnest` statement: big enough to amortize round trips, small enough to keep binds modest.
    static let insertBatchSize = 5_000

    public func insertMessages(_ messages: [Message], events: [WebhookEvent], logger: Logger) async throws {
        guard !messages.isEmpty else { return }
        let changes = Self.changesInLockOrder(messages)
        // Inbound messages raise their conversation's unread count: a write that announces its messages (not an
        // import without --webhooks, not a seed) announces the new count too, as the conversation's creation or its
        // summary's update returns it.
        let announcedAt = events.map(\.createdAt).max()
        let raised = Set(changes.filter { $0.value.inboundCount > 0 }.map(\.key))
        let announcing = announcedAt != nil && !raised.isEmpty
        try await run(
            "insertMessages", logger: logger, retries: 2,
            statements: 3 + Self.rowStatementCount(messages, changes) + changes.chunked(Self.insertBatchSize).count
        ) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                let created = try await Self.insertRows(messages, changes, returning: announcing, on: connection, logger: logger)
                var changed = created.rows
                for batch in changes.filter({ !created.keys.contains($0.key) }).chunked(Self.insertBatchSize) {
                    changed += try await connection.fetch(
                        Self.updateSummaries(batch, returning: announcing), logger: logger, Decode.conversation)
                }
                var unread: [WebhookEvent] = []
                if let time = announcedAt {
                    unread = changed.filter { raised.contains(ConversationKey(location: $0.locationId, conversation: $0.id)) }.map { .unreadUpdate(of: $0, at: time) }
                }
                // After the summaries' row locks are taken: a conversation's events are numbered in commit order.
                try await Self.announce(events + unread, on: connection, logger: logger)
            }
        }
    }

    /// Stores `messages` inside the caller's transaction: their conversations, their rows (copied in when there are
    /// many: `PostgresMessageCopy`), then the conversations' summaries.
    static func storeMessages(_ messages: [Message], on connection: PostgresConnection, logger: Logger) async throws {
        let changes = changesInLockOrder(messages)
        let created = try await insertRows(messages, changes, returning: false, on: connection, logger: logger)
        for batch in changes.filter({ !created.keys.contains($0.key) }).chunked(insertBatchSize) {
            try await connection.query(updateSummaries(batch, returning: false), logger: logger)
        }
    }

    /// The conversations a batch created: their keys, and their rows when asked for.
    struct CreatedConversations {
        var keys: Set<ConversationKey> = []
        var rows: [Conversation] = []
    }

    /// The conversations the messages bring, created with their summaries (the summaries of the others are the
    /// caller's), then the message rows: copied in when there are many, else inserted. Conversations first: the
    /// messages' foreign key needs them. A contact that already has another conversation in
    /// the location leaves its conversation uncreated, the messages then violate the foreign key, and the whole batch
    /// rolls back: a duplicate, as SQLite reports it (see `PostgresErrorKind`).
    ///
    /// A batch that brings many conversations (an import's) first renews the conversations' statistics. Each row's
    /// foreign-key check runs a lookup PostgreSQL plans once per connection; planned without statistics, over a table
    /// just filled, it chose the index by last message (location, date, id) and read every conversation of the
    /// location for each message: 200,000 realistic messages took 11.8 s to copy in, where `psql` copies them in 4.2 s
    /// with the statistics (and the whole import of them now takes 5.6–6.5 s).
    private static func insertRows(
        _ messages: [Message], _ changes: [(key: ConversationKey, value: ConversationSummaryChange)], returning: Bool,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> CreatedConversations {
        var created = CreatedConversations()
        for batch in changes.chunked(insertBatchSize) {
            let statement = createMissingConversations(batch, returning: returning)
            if returning {
                let rows = try await connection.fetch(statement, logger: logger, Decode.conversation)
                created.rows += rows
                created.keys.formUnion(rows.map { ConversationKey(location: $0.locationId, conversation: $0.id) })
            } else {
                for try await (location, id) in try await connection.query(statement, logger: logger).decode((String, String).self) {
                    created.keys.insert(ConversationKey(location: LocationID(rawValue: location), conversation: ConversationID(rawValue: id)))
                }
            }
        }
        if changes.count >= Self.manyConversations {
            try await connection.query("ANALYZE conversations, conversation_search_bodies, conversation_search_words", logger: logger)
        }
        if messages.count >= PostgresMessageCopy.threshold {
            try await PostgresMessageCopy.copy(messages, on: connection, logger: logger)
        } else {
            for chunk in messages.chunked(insertBatchSize) { try await connection.query(insert(chunk), logger: logger) }
        }
        return created
    }

    private static let manyConversations = 100

    private static func rowStatementCount(
        _ messages: [Message], _ changes: [(key: ConversationKey, value: ConversationSummaryChange)]
    ) -> Int {
        changes.chunked(insertBatchSize).count + (changes.count >= manyConversations ? 1 : 0)
            + (messages.count >= PostgresMessageCopy.threshold ? 1 : messages.chunked(insertBatchSize).count)
    }

    /// The conversations `messages` change, in a fixed order, so concurrent batches lock shared conversations in the
    /// same order.
    private static func changesInLockOrder(_ messages: [Message]) -> [(key: ConversationKey, value: ConversationSummaryChange)] {
        ConversationSummaryChange.perConversation(messages)
            .sorted { ($0.key.location, $0.key.conversation) < ($1.key.location, $1.key.conversation) }
    }

    /// Every unique key is an arbiter (no conflict target). With only `(location_id, id)`, a conversation that
    /// exists, and whose summary concurrent writers keep updating, could slip past the arbiter check and fail the
    /// `(location_id, contact_id)` key: a spurious "already exists" for a message to an existing conversation.
    ///
    /// A new conversation is written with its summary: inserted bare and then summarised, each conversation's row and
    /// its trigram entries were written twice (20,000 conversations: 2.2 s against 1.6 s). `returning` every column of
    /// those created, else their keys.
    private static func createMissingConversations(
        _ changes: [(key: ConversationKey, value: ConversationSummaryChange)], returning: Bool
    ) -> PostgresQuery {
        let locations = changes.map(\.key.location.rawValue)
        let ids = changes.map(\.key.conversation.rawValue)
        let contacts = changes.map(\.value.newest.contactId.rawValue)
        let added = changes.map(\.value.oldestDate.rawValue)
        let dates = changes.map(\.value.newest.dateAdded.rawValue)
        let inbound = changes.map { Int64($0.value.inboundCount) }
        let messageIds = changes.map(\.value.newest.id.rawValue)
        let bodies = NullableArray(changes.map(\.value.newest.body))
        let types = changes.map { Int64($0.value.newest.messageType.code) }
        let directions = NullableArray(changes.map(\.value.newest.direction?.rawValue))
        return """
            INSERT INTO conversations (location_id, id, contact_id, date_added, date_updated, unread_count,
                last_message_id, last_message_body, last_message_type, last_message_direction, last_message_date)
            SELECT location_id, id, contact_id, date_added, date, inbound, message_id, body, type_code, direction, date
            FROM unnest(\(locations)::text[], \(ids)::text[], \(contacts)::text[], \(added)::int8[], \(dates)::int8[],
                \(inbound)::int8[], \(messageIds)::text[], \(bodies)::text[], \(types)::int8[], \(directions)::text[])
                AS u(location_id, id, contact_id, date_added, date, inbound, message_id, body, type_code, direction)
            ON CONFLICT DO NOTHING
            RETURNING \(unescaped: returning ? ConversationColumn.list(alias: "conversations") : "location_id, id")
            """
    }

    /// The summary follows the newest message by (dateAdded, id), the same order the page uses. `returning` the
    /// updated conversations, when the caller announces their new unread counts.
    private static func updateSummaries(
        _ changes: [(key: ConversationKey, value: ConversationSummaryChange)], returning: Bool
    ) -> PostgresQuery {
        let locations = changes.map(\.key.location.rawValue)
        let ids = changes.map(\.key.conversation.rawValue)
        let inbound = changes.map { Int64($0.value.inboundCount) }
        let dates = changes.map(\.value.newest.dateAdded.rawValue)
        let messageIds = changes.map(\.value.newest.id.rawValue)
        let bodies = NullableArray(changes.map(\.value.newest.body))
        let types = changes.map { Int64($0.value.newest.messageType.code) }
        let directions = NullableArray(changes.map(\.value.newest.direction?.rawValue))
        let newer = """
            c.last_message_date IS NULL OR (c.last_message_date, c.last_message_id) < (u.date, u.message_id COLLATE "C")
            """
        return """
            UPDATE conversations AS c SET
                unread_count = c.unread_count + u.inbound,
                date_updated = GREATEST(c.date_updated, u.date),
                last_message_id = CASE WHEN \(unescaped: newer) THEN u.message_id ELSE c.last_message_id END,
                last_message_body = CASE WHEN \(unescaped: newer) THEN u.body ELSE c.last_message_body END,
                last_message_type = CASE WHEN \(unescaped: newer) THEN u.type_code ELSE c.last_message_type END,
                last_message_direction = CASE WHEN \(unescaped: newer) THEN u.direction ELSE c.last_message_direction END,
                last_message_date = CASE WHEN \(unescaped: newer) THEN u.date ELSE c.last_message_date END
            FROM unnest(\(locations)::text[], \(ids)::text[], \(inbound)::int8[], \(dates)::int8[],
                \(messageIds)::text[], \(bodies)::text[], \(types)::int8[], \(directions)::text[])
                AS u(location_id, id, inbound, date, message_id, body, type_code, direction)
            WHERE c.location_id = u.location_id AND c.id = u.id
            \(unescaped: returning ? "RETURNING " + ConversationColumn.list(alias: "c") : "")
            """
    }

    private static func insert(_ messages: [Message]) -> PostgresQuery {
        let locations = messages.map(\.locationId.rawValue)
        let ids = messages.map(\.id.rawValue)
        let conversations = messages.map(\.conversationId.rawValue)
        let contacts = messages.map(\.contactId.rawValue)
        let types = messages.map { Int64($0.messageType.code) }
        let directions = NullableArray(messages.map(\.direction?.rawValue))
        let statuses = NullableArray(messages.map(\.status))
        let bodies = NullableArray(messages.map(\.body))
        let contentTypes = NullableArray(messages.map(\.contentType))
        let added = messages.map(\.dateAdded.rawValue)
        let updated = messages.map(\.dateUpdated.rawValue)
        let sources = NullableArray(messages.map(\.source))
        let users = NullableArray(messages.map(\.userId))
        let altIds = NullableArray(messages.map(\.altId))
        let attachments = NullableArray(messages.map { $0.attachments.map(StringListColumn.encode) })
        let durations = NullableArray(messages.map { $0.call?.duration.map(Int64.init) })
        let callStatuses = NullableArray(messages.map(\.call?.status))
        let emailIds = NullableArray(messages.map { $0.emailMessageIds.map(StringListColumn.encode) })
        let providers = NullableArray(messages.map(\.conversationProviderId))
        let widgets = NullableArray(messages.map(\.chatWidgetId))
        return """
            INSERT INTO messages (\(unescaped: Columns.message))
            SELECT * FROM unnest(\(locations)::text[], \(ids)::text[], \(conversations)::text[], \(contacts)::text[],
                \(types)::int8[], \(directions)::text[], \(statuses)::text[], \(bodies)::text[],
                \(contentTypes)::text[], \(added)::int8[], \(updated)::int8[], \(sources)::text[], \(users)::text[],
                \(altIds)::text[], \(attachments)::text[], \(durations)::int8[], \(callStatuses)::text[],
                \(emailIds)::text[], \(providers)::text[], \(widgets)::text[])
            """
    }

    public func messagePage(_ query: MessagePageQuery, logger: Logger) async throws -> MessagePage {
        let types = query.filter?.types.map(\.code)
        // One row more than asked for tells whether another page exists, with no COUNT.
        let limit = query.limit == .max ? nil : Self.limit(query.limit + 1)
        let conversation = query.conversationId.rawValue
        let location = query.locationId.rawValue
        // The cursor's position is one primary-key lookup: it shares the bound's margin with the page query.
        let read: @Sendable (PostgresConnection) async throws -> [Message] = { connection in
            var messages: [Message] = []
            messages.reserveCapacity(min(max(limit ?? 0, 0), MessagePageQuery.maximumLimit + 1))
            if let cursor = query.lastMessageId {
                var dateAdded: Int64?
                let position = CursorPosition(location: location, message: cursor.rawValue)
                for try await (date, owner) in try await connection.execute(position, logger: logger)
                where owner == conversation {
                    dateAdded = date
                }
                // Not a message of this conversation (or of this location).
                guard let dateAdded else { throw SwitchboardError.invalidLastMessageId }
                let page = PageAfter(
                    conversation: conversation, location: location, date: dateAdded, id: cursor.rawValue,
                    types: types, limit: limit)
                for try await message in try await connection.execute(page, logger: logger) { messages.append(message) }
            } else {
                let page = NewestPage(conversation: conversation, location: location, types: types, limit: limit)
                for try await message in try await connection.execute(page, logger: logger) { messages.append(message) }
            }
            return messages
        }
        var messages: [Message]
        if let replicated = await readReplica?.read("messagePage", of: query.conversationId, logger: logger, read) {
            messages = replicated
        } else {
            messages = try await run("messagePage", logger: logger, read)
        }
        let nextPage = messages.count > query.limit
        if nextPage, !messages.isEmpty { messages.removeLast() }
        return MessagePage(messages: messages, nextPage: nextPage)
    }

    public func message(_ id: MessageID, in location: LocationID, logger: Logger) async throws -> Message? {
        let query: PostgresQuery = """
            SELECT \(unescaped: Columns.message) FROM messages
            WHERE location_id = \(location.rawValue) AND id = \(id.rawValue)
            """
        if let readReplica {
            let found = await readReplica.read("message", of: nil, logger: logger) { connection in
                try await connection.fetch(query, logger: logger, Decode.message).first
            }
            // Only the primary can say that a message does not exist.
            if let found, let message = found { return message }
        }
        return try await fetch("message", query, logger: logger, Decode.message).first
    }

    public func locationOfMessage(_ id: MessageID, logger: Logger) async throws -> LocationID? {
        try await locationHolding(id.rawValue, in: "messages", logger: logger)
    }
}
