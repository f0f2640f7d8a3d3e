import NIOHTTP1
public import SwitchboardCore

extension ConversationsClient {
    /// `POST /conversations/providers/live-chat/typing`: tells a live-chat visitor that an agent or a bot is writing a
    /// reply (`isTyping` true) or stopped. Answered `{"success":true}`; Switchboard announces it as a `LiveChatTyping`
    /// event.
    public func liveChatTyping(
        locationId: LocationID, conversationId: ConversationID, visitorId: String, isTyping: Bool
    ) async throws {
        struct Body: Encodable {
            let locationId: String
            let isTyping: Bool
            let visitorId: String
            let conversationId: String
        }
        let body = Body(
            locationId: locationId.rawValue, isTyping: isTyping, visitorId: visitorId,
            conversationId: conversationId.rawValue)
        let request = APIRequest(
            method: .POST, path: "/conversations/providers/live-chat/typing", body: try Self.encode(body))
        _ = try await performForObject(request)
    }
}
