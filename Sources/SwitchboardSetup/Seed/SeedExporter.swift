public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// Writes a store's locations as a seed file (`switchboard export-seed`), one object per line so that a seed
/// error's line number points at one object. Token values are not stored (only their hashes): the locations come
/// out without tokens, and the caller says so.
public enum SeedExporter {
    /// Writes the seed of `only` (every location when nil) through `output`, a piece at a time; returns how many
    /// messages it wrote; `UnknownLocation` for a location the store lacks.
    @discardableResult
    public static func export(
        from store: some ConversationStore, only: LocationID?, logger: Logger, to output: ([UInt8]) throws -> Void
    ) async throws -> Int {
        var locations = try await store.locations(logger: logger)
        if let only {
            locations = locations.filter { $0.id == only }
            guard !locations.isEmpty else { throw UnknownLocation(id: only) }
        }
        var contacts: [Contact] = []
        var conversations: [Conversation] = []
        for location in locations {
            contacts += try await store.allContacts(in: location.id, logger: logger)
            conversations += try await store.allConversations(in: location.id, logger: logger)
        }
        try output(Array("{\n\"locations\": [\n".utf8))
        try writeLines(locations, to: output) { location, json in
            json.beginObject()
            json.key("id"); json.string(location.id.rawValue)
            json.key("name"); json.string(location.name)
            json.key("tokens"); json.beginArray(); json.endArray()
            json.endObject()
        }
        try output(Array("],\n\"contacts\": [\n".utf8))
        try writeLines(contacts, to: output) { contact, json in contact.write(to: &json) }
        try output(Array("],\n\"conversations\": [\n".utf8))
        try writeLines(conversations, to: output) { conversation, json in
            json.beginObject()
            json.key("id"); json.string(conversation.id.rawValue)
            json.key("locationId"); json.string(conversation.locationId.rawValue)
            json.key("contactId"); json.string(conversation.contactId.rawValue)
            json.key("unreadCount"); json.integer(conversation.unreadCount)
            json.key("starred"); json.bool(conversation.starred)
            json.key("deleted"); json.bool(conversation.deleted)
            json.key("dateAdded"); json.timestamp(conversation.dateAdded)
            json.key("dateUpdated"); json.timestamp(conversation.dateUpdated)
            json.endObject()
        }
        try output(Array("],\n\"messages\": [\n".utf8))
        // Oldest first, grouped by nothing: the export's own order, a page at a time.
        var written = 0
        for location in locations {
            var query = MessageExportQuery(locationId: location.id, limit: 500, sortOrder: .asc)
            while true {
                let page = try await store.exportMessages(query, logger: logger)
                var lines: [UInt8] = []
                for message in page.messages {
                    if written > 0 { lines += Array(",\n".utf8) }
                    var json = JSONWriter(capacity: 1024)
                    message.write(to: &json)
                    lines += json.bytes
                    written += 1
                }
                try output(lines)
                guard let next = page.nextCursor, !page.messages.isEmpty else { break }
                query.cursor = next
            }
        }
        try output(Array("\n]\n}\n".utf8))
        return written
    }

    public struct UnknownLocation: Error, CustomStringConvertible {
        public let id: LocationID
        public var description: String { "no location \(id.rawValue) in this store" }
    }

    private static func writeLines<Item>(
        _ items: [Item], to output: ([UInt8]) throws -> Void, _ write: (Item, inout JSONWriter) -> Void
    ) throws {
        var lines: [UInt8] = []
        for (index, item) in items.enumerated() {
            if index > 0 { lines += Array(",\n".utf8) }
            var json = JSONWriter(capacity: 1024)
            write(item, &json)
            lines += json.bytes
        }
        if !items.isEmpty { lines.append(UInt8(ascii: "\n")) }
        try output(lines)
    }
}
