/// A `ConversationUnreadUpdate` webhook (HighLevel's `ConversationUnreadWebhook`): a conversation's unread count
/// changed, by an inbound message or by a client marking it read or unread. The store makes it from the row as the
/// writing transaction left it, so the count is the one committed with the change.
public enum UnreadWebhookEvent {
    public static let type = "ConversationUnreadUpdate"

    /// The payload, without what each delivery adds (`webhookId`, `timestamp`).
    /// `inbox` is true for every conversation Switchboard keeps (it has no archive).
    public static func payload(
        locationId: LocationID, conversationId: ConversationID, contactId: ContactID, unreadCount: Int, starred: Bool,
        deleted: Bool
    ) -> [UInt8] {
        var json = JSONWriter(capacity: 192)
        json.beginObject()
        json.key("type"); json.string(type)
        json.key("locationId"); json.string(locationId.rawValue)
        json.key("id"); json.string(conversationId.rawValue)
        json.key("contactId"); json.string(contactId.rawValue)
        json.key("unreadCount"); json.integer(unreadCount)
        json.key("inbox"); json.bool(true)
        json.key("starred"); json.bool(starred)
        json.key("deleted"); json.bool(deleted)
        json.endObject()
        return json.bytes
    }
}

extension WebhookEvent {
    /// The `ConversationUnreadUpdate` of `conversation` as it now is.
    public static func unreadUpdate(of conversation: Conversation, at time: Timestamp) -> WebhookEvent {
        WebhookEvent(
            type: UnreadWebhookEvent.type, locationId: conversation.locationId, conversationId: conversation.id,
            payload: UnreadWebhookEvent.payload(
                locationId: conversation.locationId, conversationId: conversation.id, contactId: conversation.contactId,
                unreadCount: conversation.unreadCount, starred: conversation.starred, deleted: conversation.deleted),
            createdAt: time)
    }
}
