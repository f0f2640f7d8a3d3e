#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif
import NIOHTTP1
public import SwitchboardCore

extension ConversationsClient {
    /// `GET /conversations/{conversationId}/messages`: one page, newest first.
    /// - Parameters:
    ///   - lastMessageId: continue after this message (the previous page's `lastMessageId`).
    ///   - limit: page size; HighLevel's default is 20, Switchboard caps it at 100.
    ///   - types: only these message types (sent as `type=TYPE_SMS,TYPE_CALL`).
    public func messages(
        in conversationId: ConversationID, after lastMessageId: MessageID? = nil, limit: Int? = nil,
        types: MessageTypeFilter? = nil
    ) async throws -> ConversationMessagesPage {
        var query = QueryItems()
        query.add("lastMessageId", lastMessageId?.rawValue)
        query.add("limit", limit)
        query.add("type", types.map(Self.filterParameter))
        let request = APIRequest(
            method: .GET, path: PercentEncoding.path("conversations", conversationId.rawValue, "messages"), query: query)
        return try await perform(request, decode: ConversationMessagesPage.init(json:))
    }

    /// `GET /conversations/messages/{id}`.
    public func message(_ id: MessageID) async throws -> HighLevelMessage {
        let request = APIRequest(method: .GET, path: PercentEncoding.path("conversations", "messages", id.rawValue))
        return try await perform(request, decode: HighLevelMessage.init(singleMessageBody:))
    }

    /// `POST /conversations/messages`: sends a message to a contact. Never retried once it may have reached the
    /// server, so a retry can never send it twice.
    public func sendMessage(_ message: SendMessageRequest) async throws -> SendMessageResponse {
        let request = APIRequest(
            method: .POST, path: "/conversations/messages", body: try Self.encode(message), mayCreate: true)
        return try await perform(request, decode: SendMessageResponse.init(json:))
    }

    /// `POST /conversations/messages/inbound`: records a message a custom provider received.
    public func addInboundMessage(_ message: InboundMessageRequest) async throws -> ProcessMessageResponse {
        let request = APIRequest(
            method: .POST, path: "/conversations/messages/inbound", body: try Self.encode(message), mayCreate: true)
        return try await perform(request, decode: ProcessMessageResponse.init(json:))
    }

    /// `POST /conversations/messages/outbound`: records an external outbound call.
    public func addOutboundCall(_ call: OutboundCallRequest) async throws -> ProcessMessageResponse {
        let request = APIRequest(
            method: .POST, path: "/conversations/messages/outbound", body: try Self.encode(call), mayCreate: true)
        return try await perform(request, decode: ProcessMessageResponse.init(json:))
    }

    /// `PUT /conversations/messages/{messageId}/status`.
    public func updateMessageStatus(_ id: MessageID, _ update: MessageStatusUpdate) async throws -> SendMessageResponse {
        let request = APIRequest(
            method: .PUT, path: PercentEncoding.path("conversations", "messages", id.rawValue, "status"),
            body: try Self.encode(update))
        return try await perform(request, decode: SendMessageResponse.init(json:))
    }

    /// `DELETE /conversations/messages/{messageId}/schedule`. HighLevel reports the outcome in the body's `status`.
    public func cancelScheduledMessage(_ id: MessageID) async throws -> CancelScheduledResponse {
        let request = APIRequest(
            method: .DELETE, path: PercentEncoding.path("conversations", "messages", id.rawValue, "schedule"))
        return try await perform(request, decode: CancelScheduledResponse.init(json:))
    }

    /// `GET /conversations/messages/export`: one page of a location's messages.
    public func exportMessages(_ filter: MessageExportFilter, cursor: String? = nil) async throws -> ExportedMessagesPage {
        let request = APIRequest(
            method: .GET, path: "/conversations/messages/export", query: filter.queryItems(cursor: cursor))
        return try await perform(request, decode: ExportedMessagesPage.init(json:))
    }

    /// The `type` filter as HighLevel spells it: documented filter values, where the plural
    /// `TYPE_INTERNAL_COMMENTS` selects `TYPE_INTERNAL_COMMENT` (CONTRACT.md §4.2).
    static func filterParameter(_ filter: MessageTypeFilter) -> String {
        filter.types.map { type in
            MessageTypeFilter.documentedValues.first { $0.value == type }?.key ?? type.rawValue
        }.joined(separator: ",")
    }

    static func encode(_ body: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(body))
    }
}
