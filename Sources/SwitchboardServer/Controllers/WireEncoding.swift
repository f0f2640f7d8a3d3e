import SwitchboardCore

/// The JSON shapes of conversations and contacts, each as HighLevel's DTO for that endpoint names it.
enum ConversationKind {
    /// Conversation-level `type` is its own code space (CONTRACT.md §3.4): 1 Phone, 2 Email, 3 Facebook
    /// Messenger, 4 Review. Switchboard derives it from the channel of the last message.
    static func code(for conversation: Conversation) -> Int {
        switch conversation.lastMessageType {
        case .some(let type) where type.isEmail: 2
        case .facebook, .instagram, .campaignFacebook, .facebookComment, .instagramComment: 3
        case .review: 4
        default: 1
        }
    }

    static func name(for conversation: Conversation) -> String {
        switch code(for: conversation) {
        case 2: "TYPE_EMAIL"
        case 3: "TYPE_FB_MESSENGER"
        case 4: "TYPE_REVIEW"
        default: "TYPE_PHONE"
        }
    }
}

extension JSONWriter {
    /// `ConversationCreateResponseDto`: dates as ISO strings.
    mutating func createdConversation(_ conversation: Conversation) {
        beginObject()
        key("id"); string(conversation.id.rawValue)
        key("dateUpdated"); timestamp(conversation.dateUpdated)
        key("dateAdded"); timestamp(conversation.dateAdded)
        key("deleted"); bool(conversation.deleted)
        key("contactId"); string(conversation.contactId.rawValue)
        key("locationId"); string(conversation.locationId.rawValue)
        key("lastMessageDate"); timestamp(conversation.lastMessageDate ?? conversation.dateAdded)
        endObject()
    }

    /// `ConversationDto` (PUT): `lastMessageDate` is epoch milliseconds as a string, as the DTO declares.
    mutating func updatedConversation(_ conversation: Conversation) {
        beginObject()
        key("id"); string(conversation.id.rawValue)
        key("locationId"); string(conversation.locationId.rawValue)
        key("contactId"); string(conversation.contactId.rawValue)
        if let body = conversation.lastMessageBody { key("lastMessageBody"); string(body) }
        if let date = conversation.lastMessageDate { key("lastMessageDate"); string(String(date.rawValue)) }
        if let type = conversation.lastMessageType { key("lastMessageType"); string(type.rawValue) }
        key("unreadCount"); integer(conversation.unreadCount)
        key("inbox"); bool(true)
        key("starred"); bool(conversation.starred)
        key("deleted"); bool(conversation.deleted)
        endObject()
    }

    /// `GetConversationByIdResponse` plus the summary fields; dates as epoch milliseconds, as search serves them.
    mutating func conversationDetails(_ conversation: Conversation) {
        key("id"); string(conversation.id.rawValue)
        key("contactId"); string(conversation.contactId.rawValue)
        key("locationId"); string(conversation.locationId.rawValue)
        key("deleted"); bool(conversation.deleted)
        key("inbox"); bool(true)
        key("type"); integer(ConversationKind.code(for: conversation))
        key("unreadCount"); integer(conversation.unreadCount)
        key("starred"); bool(conversation.starred)
        summary(conversation)
    }

    private mutating func summary(_ conversation: Conversation) {
        if let type = conversation.lastMessageType { key("lastMessageType"); string(type.rawValue) }
        if let date = conversation.lastMessageDate { key("lastMessageDate"); integer(Int(date.rawValue)) }
        if let direction = conversation.lastMessageDirection { key("lastMessageDirection"); string(direction.rawValue) }
        key("dateAdded"); integer(Int(conversation.dateAdded.rawValue))
        key("dateUpdated"); integer(Int(conversation.dateUpdated.rawValue))
    }

    /// `ConversationSchema` (search): the contact's names, email and phone beside the conversation.
    mutating func listedConversation(_ listing: ConversationListing) {
        let conversation = listing.conversation
        let name = listing.contact?.fullName ?? ""
        beginObject()
        key("id"); string(conversation.id.rawValue)
        key("contactId"); string(conversation.contactId.rawValue)
        key("locationId"); string(conversation.locationId.rawValue)
        key("lastMessageBody"); string(conversation.lastMessageBody ?? "")
        key("type"); string(ConversationKind.name(for: conversation))
        key("unreadCount"); integer(conversation.unreadCount)
        key("fullName"); string(name)
        key("contactName"); string(name)
        key("email"); string(listing.contact?.email ?? "")
        key("phone"); string(listing.contact?.phone ?? "")
        if let company = listing.contact?.companyName { key("companyName"); string(company) }
        key("starred"); bool(conversation.starred)
        key("inbox"); bool(true)
        key("deleted"); bool(conversation.deleted)
        summary(conversation)
        endObject()
    }
}
