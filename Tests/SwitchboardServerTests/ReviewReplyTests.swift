import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// `POST /conversations/messages/review-reply` (issue 17): a reply to a Google review is the conversation's outbound
/// GMB message, with its webhook; the body is validated before the conversation is looked up, and the location
/// must be the token's.
@Suite struct ReviewReplyTests {
    @Test(arguments: Backend.allCases)
    func aReplyIsStoredAsTheConversationsOutboundGMBMessage(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await store.subscribe(tenant, id: "sub-out", url: "http://127.0.0.1:9/hook", events: ["OutboundMessage"])
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 1)
            // The wall clock, so the reply is newer than the seeded message (dated at the test epoch).
            try await makeApplication(store: store, configure: { $0.now = Timestamp.now }).test(.router) { client in
                let response = try await client.send(
                    .post, "/conversations/messages/review-reply", headers: tenant.headers,
                    json: #"{"conversationId":"\#(conversation)","locationId":"\#(tenant.location)","message":"Thank you \"kindly\"!"}"#)
                #expect(response.status == .created)
                let json = try response.json()
                let messageId = try #require(json["messageId"] as? String)
                #expect(Set(json.keys) == ["conversationId", "messageId"])
                #expect(json["conversationId"] as? String == conversation.rawValue)

                let page = try await client.get("/conversations/\(conversation)/messages", headers: tenant.headers)
                let stored = try page.page().messages.messages
                #expect(stored.map(\.id.rawValue) == [messageId, messages[0].id.rawValue])
                let reply = try #require(stored.first)
                #expect(reply.messageType == .gmb)
                #expect(reply.direction == .outbound)
                #expect(reply.status == "delivered")
                #expect(reply.body == #"Thank you "kindly"!"#)
                #expect(reply.source == "api")

                // Its OutboundMessage webhook, in the outbox with the write.
                let claimed = try await store.claimDueDeliveries(
                    now: .now(), leaseUntil: Timestamp(rawValue: Timestamp.now().rawValue + 30_000), limit: 10, logger: .test)
                let event = try JSONDecoder().decode([String: JSONValue].self, from: Data(try #require(claimed.first).body))
                #expect(claimed.count == 1)
                #expect(event["type"] == .string("OutboundMessage"))
                #expect(event["messageId"] == .string(messageId))
                #expect(event["messageType"] == .string("GMB"))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func theBodyTheLocationAndTheConversationAreChecked(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let other = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let (othersConversation, _) = try await seedConversation(store, tenant: other, count: 1)
            let readOnly = try await store.makeToken(for: tenant.location, scopes: [.conversationsReadonly, .messagesReadonly])
            try await makeApplication(store: store).test(.router) { client in
                func reply(_ json: String, headers: HTTPFields = tenant.headers) async throws -> TestResponse {
                    try await client.send(.post, "/conversations/messages/review-reply", headers: headers, json: json)
                }
                let empty = try await reply("{}")
                #expect(empty.status == .unprocessableContent)
                #expect(try empty.errorBody() == .validation(
                    "conversationId should not be empty", "locationId should not be empty", "message should not be empty"))
                let wrongTypes = try await reply(#"{"conversationId":7,"locationId":"\#(tenant.location)","message":""}"#)
                #expect(try wrongTypes.errorBody() == .validation("conversationId must be a string", "message should not be empty"))

                let forbidden = HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location.")
                let elsewhere = try await reply(
                    #"{"conversationId":"\#(conversation)","locationId":"\#(other.location)","message":"hi"}"#)
                #expect(elsewhere.status == .forbidden)
                #expect(try elsewhere.errorBody() == forbidden)
                let othersOwn = try await reply(
                    #"{"conversationId":"\#(othersConversation)","locationId":"\#(tenant.location)","message":"hi"}"#)
                #expect(othersOwn.status == .forbidden)
                #expect(try othersOwn.errorBody() == forbidden)
                let unknown = try await reply(
                    #"{"conversationId":"NoSuchConversation00","locationId":"\#(tenant.location)","message":"hi"}"#)
                #expect(unknown.status == .badRequest)
                #expect(try unknown.errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "Conversation with id NoSuchConversation00 not found"))

                let unscoped = try await reply(
                    #"{"conversationId":"\#(conversation)","locationId":"\#(tenant.location)","message":"hi"}"#,
                    headers: [.authorization: "Bearer \(readOnly)", .version: "2021-04-15"])
                #expect(unscoped.status == .unauthorized)
                #expect(try unscoped.errorBody() == HighLevelErrorBody(
                    statusCode: 401, message: "The token is not authorized for this scope."))
            }
            // Nothing refused was stored.
            let page = try await store.messagePage(
                MessagePageQuery(conversationId: conversation, locationId: tenant.location, limit: 100), logger: .test)
            #expect(page.messages.count == 1)
        }
    }
}
