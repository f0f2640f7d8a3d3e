public import SwitchboardCore

/// Every message of a conversation, newest first, fetched page by page.
public typealias MessageStream = PagedItems<ConversationMessagesPage, HighLevelMessage>

extension ConversationsClient {
    /// The pages of a conversation, newest first, following `lastMessageId` while `nextPage` is true.
    public func messagePages(
        in conversationId: ConversationID, types: MessageTypeFilter? = nil, pageSize: Int = 100
    ) -> PageSequence<ConversationMessagesPage> {
        PageSequence(
            fetch: { cursor in
                try await messages(
                    in: conversationId, after: cursor.map(MessageID.init(rawValue:)), limit: pageSize, types: types)
            },
            itemCount: \.messages.count,
            continuation: { page, _ in page.continuation })
    }

    /// Every message of a conversation (optionally only some types), newest first. Pages are fetched lazily as the
    /// loop consumes them; breaking out of the loop fetches nothing more.
    ///
    /// ```swift
    /// for try await message in client.allMessages(in: id, types: MessageTypeFilter(types: [.sms, .call])) { … }
    /// ```
    public func allMessages(
        in conversationId: ConversationID, types: MessageTypeFilter? = nil, pageSize: Int = 100
    ) -> MessageStream {
        messagePages(in: conversationId, types: types, pageSize: pageSize).items(\.messages)
    }

    /// The pages of a conversation search, continuing with `startAfterDate` set to the last row's
    /// `lastMessageDate` (epoch ms), the only cursor HighLevel's search honours (CONTRACT.md §5.1).
    /// Ends on a short or empty page, when `total` rows have been seen, or when a row has no `lastMessageDate`.
    public func searchPages(_ search: ConversationSearch) -> PageSequence<ConversationSearchPage> {
        PageSequence(
            fetch: { cursor in
                var search = search
                if let cursor { search.startAfterDate = Int64(cursor) }
                return try await searchConversations(search)
            },
            itemCount: \.conversations.count,
            continuation: { page, seen in
                guard let last = page.conversations.last, let date = last.lastMessageDate else { return nil }
                if let limit = search.limit, page.conversations.count < limit { return nil }
                if let total = page.total, seen >= total { return nil }
                return String(date.rawValue)
            })
    }

    /// Every conversation matching a search, page by page.
    public func allConversations(matching search: ConversationSearch) -> PagedItems<ConversationSearchPage, ConversationRecord> {
        searchPages(search).items(\.conversations)
    }

    /// The pages of a message export, following `nextCursor`.
    public func exportPages(_ filter: MessageExportFilter) -> PageSequence<ExportedMessagesPage> {
        PageSequence(
            fetch: { cursor in try await exportMessages(filter, cursor: cursor) },
            itemCount: \.messages.count,
            continuation: { page, _ in page.messages.isEmpty ? nil : page.nextCursor })
    }

    /// Every message of a location matching the export filter.
    public func allExportedMessages(_ filter: MessageExportFilter) -> PagedItems<ExportedMessagesPage, HighLevelMessage> {
        exportPages(filter).items(\.messages)
    }
}
