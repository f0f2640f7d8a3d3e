import Foundation
public import SwitchboardCore

/// A conversation as both backends key their batch writes: by location, then id.
public struct ConversationKey: Hashable, Sendable {
    public var location: LocationID
    public var conversation: ConversationID

    public init(_ message: Message) {
        location = message.locationId
        conversation = message.conversationId
    }

    public init(location: LocationID, conversation: ConversationID) {
        self.location = location
        self.conversation = conversation
    }
}

/// How a batch of new messages moves one conversation's summary. It keeps only what the conversation row takes from
/// them, so a bulk load can hold one for every conversation it writes. Both backends apply it the same way.
public struct ConversationSummaryChange: Sendable {
    /// The newest message by (dateAdded, id), the order the page uses.
    public struct Newest: Sendable {
        public var id: MessageID
        public var dateAdded: Timestamp
        public var contactId: ContactID
        public var messageType: MessageType
        public var direction: MessageDirection?
        public var body: String?

        init(_ message: Message) {
            id = message.id
            dateAdded = message.dateAdded
            contactId = message.contactId
            messageType = message.messageType
            direction = message.direction
            body = message.body
        }
    }

    public private(set) var newest: Newest
    /// The oldest message's date: a conversation created by the batch was created then.
    public private(set) var oldestDate: Timestamp
    public private(set) var inboundCount = 0

    public init(first: Message) {
        newest = Newest(first)
        oldestDate = first.dateAdded
    }

    /// The change these messages make to each conversation they are in.
    public static func perConversation(_ messages: [Message]) -> [ConversationKey: ConversationSummaryChange] {
        var changes: [ConversationKey: ConversationSummaryChange] = [:]
        for message in messages {
            changes[ConversationKey(message), default: ConversationSummaryChange(first: message)].add(message)
        }
        return changes
    }

    public mutating func add(_ message: Message) {
        if (message.dateAdded, message.id) > (newest.dateAdded, newest.id) { newest = Newest(message) }
        oldestDate = min(oldestDate, message.dateAdded)
        if message.direction == .inbound { inboundCount += 1 }
    }

    /// Adds a later batch's change to the same conversation.
    public mutating func add(_ later: ConversationSummaryChange) {
        if (later.newest.dateAdded, later.newest.id) > (newest.dateAdded, newest.id) { newest = later.newest }
        oldestDate = min(oldestDate, later.oldestDate)
        inboundCount += later.inboundCount
    }
}

/// Lists of strings (attachments, email message ids) are kept as a JSON array in one text column, by both backends.
public enum StringListColumn {
    public static func encode(_ values: [String]) -> String {
        var json = JSONWriter(capacity: 64)
        json.stringArray(values)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

/// A contact's `dndSettings` as both backends store them: one JSON object by channel, NULL when there are none.
public enum DndSettingsColumn {
    public static func encode(_ settings: [DndChannel: DndSetting]) -> String? {
        guard !settings.isEmpty else { return nil }
        let byName = Dictionary(uniqueKeysWithValues: settings.map { ($0.key.rawValue, $0.value) })
        // Strings and enums only: encoding cannot fail.
        return (try? String(decoding: JSONEncoder().encode(byName), as: UTF8.self)) ?? nil
    }

    public static func decode(_ text: String?) throws -> [DndChannel: DndSetting] {
        guard let text else { return [:] }
        do {
            let byName = try JSONDecoder().decode([String: DndSetting].self, from: Data(text.utf8))
            return Dictionary(uniqueKeysWithValues: byName.compactMap { name, setting in
                DndChannel(rawValue: name).map { ($0, setting) }
            })
        } catch {
            throw StoreError.corruptRow("dnd_settings: \(error)")
        }
    }
}
