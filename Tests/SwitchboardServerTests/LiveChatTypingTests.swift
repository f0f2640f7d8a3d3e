import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// `POST /conversations/providers/live-chat/typing` (issue 17): scope `conversations/livechat.write`, HighLevel's body
/// checked (`isTyping` as a boolean or its string), the token's location and one of its conversations; 201.
@Suite struct LiveChatTypingTests {
    @Test(arguments: Backend.allCases)
    func typingIsAcceptedForTheLocationsConversationsOnly(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let other = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let (othersConversation, _) = try await seedConversation(store, tenant: other, count: 1)
            let withoutLiveChat = try await store.makeToken(
                for: tenant.location, scopes: Set(Scope.allCases).subtracting([.liveChatWrite]))
            try await makeApplication(store: store).test(.router) { client in
                func typing(_ json: String, headers: HTTPFields = tenant.headers) async throws -> TestResponse {
                    try await client.send(.post, "/conversations/providers/live-chat/typing", headers: headers, json: json)
                }
                for flag in ["true", "false", #""true""#, #""false""#] {
                    let accepted = try await typing(
                        #"{"locationId":"\#(tenant.location)","isTyping":\#(flag),"visitorId":"visitor-1","conversationId":"\#(conversation)"}"#)
                    #expect(accepted.status == .created, "\(flag)")
                    #expect(try accepted.json() as NSDictionary == ["success": true] as NSDictionary)
                }

                let empty = try await typing("{}")
                #expect(empty.status == .unprocessableContent)
                #expect(try empty.errorBody() == .validation(
                    "locationId should not be empty", "isTyping must be a boolean value", "visitorId should not be empty",
                    "conversationId should not be empty"))
                let notAFlag = try await typing(
                    #"{"locationId":"\#(tenant.location)","isTyping":"yes","visitorId":"v","conversationId":"\#(conversation)"}"#)
                #expect(try notAFlag.errorBody() == .validation("isTyping must be a boolean value"))

                let forbidden = HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location.")
                let elsewhere = try await typing(
                    #"{"locationId":"\#(other.location)","isTyping":true,"visitorId":"v","conversationId":"\#(conversation)"}"#)
                #expect(elsewhere.status == .forbidden)
                #expect(try elsewhere.errorBody() == forbidden)
                let othersOwn = try await typing(
                    #"{"locationId":"\#(tenant.location)","isTyping":true,"visitorId":"v","conversationId":"\#(othersConversation)"}"#)
                #expect(try othersOwn.errorBody() == forbidden)
                let unknown = try await typing(
                    #"{"locationId":"\#(tenant.location)","isTyping":true,"visitorId":"v","conversationId":"NoSuchConversation00"}"#)
                #expect(unknown.status == .badRequest)
                #expect(try unknown.errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "Conversation with id NoSuchConversation00 not found"))

                let unscoped = try await typing(
                    #"{"locationId":"\#(tenant.location)","isTyping":true,"visitorId":"v","conversationId":"\#(conversation)"}"#,
                    headers: [.authorization: "Bearer \(withoutLiveChat)", .version: "2021-04-15"])
                #expect(unscoped.status == .unauthorized)
                #expect(try unscoped.errorBody() == HighLevelErrorBody(
                    statusCode: 401, message: "The token is not authorized for this scope."))
            }
        }
    }
}
