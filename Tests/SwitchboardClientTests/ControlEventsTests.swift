import AsyncHTTPClient
import Foundation
import NIOCore
import SwitchboardClient
import SwitchboardCore
import SwitchboardTesting
import Testing

/// `GET /_switchboard/events` (issue 18) through `SwitchboardClient.liveEvents` and `TestServer.events`: a location's
/// events as they commit, filtered by type, never another location's, refused without a token, ended by shutdown.
@Suite struct ControlEventsTests {
    @Test func writesArriveAsTheWebhooksHighLevelWouldDeliver() async throws {
        try await withTestServer { server in
            let client = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: server.token))
            let location = LocationID(rawValue: server.locationId)
            let everything = try await server.events()
            let inboundOnly = try await server.events(types: ["InboundMessage"])
            // Another location's listener sees none of this location's events.
            let (otherLocation, otherToken) = try await server.makeLocation()
            let other = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: otherToken))
            let otherEvents = try await other.liveEvents()

            let contact = try await client.createContact(ContactFields(locationId: location, phone: "+15550100"))
            let sent = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: "Out"))
            let conversation = try #require(sent.conversationId)
            let received = try await client.addInboundMessage(
                InboundMessageRequest(type: .sms, conversationId: conversation, contactId: contact.id, message: "In"))
            _ = try await client.updateMessageStatus(try #require(sent.messageId), MessageStatusUpdate(status: "read"))
            let otherContact = try await other.createContact(
                ContactFields(locationId: LocationID(rawValue: otherLocation), phone: "+15550199"))
            _ = try await other.sendMessage(SendMessageRequest(type: .sms, contactId: otherContact.id, message: "Elsewhere"))

            var iterator = everything.makeAsyncIterator()
            var events: [LiveEvent] = []
            for _ in 0..<3 { events.append(try #require(try await iterator.next())) }
            #expect(events.map(\.type) == ["OutboundMessage", "InboundMessage", "OutboundMessage"])
            let bodies = try events.map { try #require(try JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any]) }
            #expect(bodies.map { $0["body"] as? String } == ["Out", "In", "Out"])
            #expect(bodies.map { $0["status"] as? String } == ["delivered", "delivered", "read"])
            #expect(bodies[1]["messageId"] as? String == received.messageId?.rawValue)
            #expect(bodies.allSatisfy { $0["locationId"] as? String == server.locationId })
            #expect(zip(events, bodies).allSatisfy { $0.webhookId == $1["webhookId"] as? String })
            #expect(Set(events.map(\.webhookId)).count == 3)
            // Signed as deliveries are (the server delivers webhooks, so its keys are loaded).
            #expect(events.allSatisfy { $0.signatureHeaders.keys.sorted() == ["x-ghl-signature", "x-wh-signature"] })

            var inbound = inboundOnly.makeAsyncIterator()
            let onlyInbound = try #require(try await inbound.next())
            #expect(onlyInbound.type == "InboundMessage")
            var elsewhere = otherEvents.makeAsyncIterator()
            let otherEvent = try #require(try await elsewhere.next())
            let otherBody = try #require(try JSONSerialization.jsonObject(with: Data(otherEvent.body)) as? [String: Any])
            #expect(otherBody["body"] as? String == "Elsewhere")
            #expect(otherBody["locationId"] as? String == otherLocation)
        }
    }

    /// `POST /conversations/providers/live-chat/typing` stores nothing; its `LiveChatTyping` event is on the live
    /// stream (and nowhere else: HighLevel sends no webhook for it), for the conversation's location only.
    @Test func liveChatTypingIsALiveEvent() async throws {
        try await withTestServer { server in
            let client = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: server.token))
            let location = LocationID(rawValue: server.locationId)
            let typingOnly = try await server.events(types: ["LiveChatTyping"])
            let messagesOnly = try await server.events(types: ["InboundMessage", "OutboundMessage"])
            let (otherLocation, otherToken) = try await server.makeLocation()
            let other = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: otherToken))
            let otherEvents = try await other.liveEvents()

            let contact = try await client.createContact(ContactFields(locationId: location, phone: "+15550100"))
            let sent = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: "Hi"))
            let conversation = try #require(sent.conversationId)
            for flag in [true, false] {
                var request = HTTPClientRequest(url: server.baseURL + "/conversations/providers/live-chat/typing")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(server.token)")
                request.headers.add(name: "Version", value: "2021-04-15")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string:
                    #"{"locationId":"\#(server.locationId)","isTyping":\#(flag),"visitorId":"visitor-7","conversationId":"\#(conversation.rawValue)"}"#))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 201)
            }
            _ = try await client.addInboundMessage(
                InboundMessageRequest(type: .sms, conversationId: conversation, contactId: contact.id, message: "In"))

            var typing = typingOnly.makeAsyncIterator()
            for flag in [true, false] {
                let event = try #require(try await typing.next())
                #expect(event.type == "LiveChatTyping")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(event.body)) as? [String: Any])
                #expect(body.keys.sorted() == [
                    "conversationId", "isTyping", "locationId", "timestamp", "type", "visitorId", "webhookId"])
                #expect(body["type"] as? String == "LiveChatTyping")
                #expect(body["locationId"] as? String == server.locationId)
                #expect(body["conversationId"] as? String == conversation.rawValue)
                #expect(body["visitorId"] as? String == "visitor-7")
                #expect(body["isTyping"] as? Bool == flag)
                #expect(body["webhookId"] as? String == event.webhookId)
            }
            // A stream of the message events has the send and the inbound message, and no typing between them.
            var messages = messagesOnly.makeAsyncIterator()
            let first = try #require(try await messages.next())
            let second = try #require(try await messages.next())
            #expect([first.type, second.type] == ["OutboundMessage", "InboundMessage"])
            // Nothing was stored: the conversation's messages are the two.
            let page = try await client.messages(in: conversation)
            #expect(page.messages.count == 2)
            // Another location sees none of it: its first event is its own send.
            let otherContact = try await other.createContact(
                ContactFields(locationId: LocationID(rawValue: otherLocation), phone: "+15550199"))
            _ = try await other.sendMessage(SendMessageRequest(type: .sms, contactId: otherContact.id, message: "Elsewhere"))
            var elsewhere = otherEvents.makeAsyncIterator()
            #expect(try await elsewhere.next()?.type == "OutboundMessage")
        }
    }

    @Test func listenersNeedALocationTokenAndKnownTypes() async throws {
        try await withTestServer { server in
            let stranger = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: "pit-nope"))
            await #expect { try await stranger.liveEvents() } throws: { error in
                (error as? HighLevelAPIError)?.status == 401
                    && (error as? HighLevelAPIError)?.messages == ["Invalid Private Integration token"]
            }
            let admin = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: server.adminToken))
            await #expect { try await admin.liveEvents() } throws: { error in
                (error as? HighLevelAPIError)?.status == 401 && (error as? HighLevelAPIError)?.messages == ["Invalid JWT"]
            }
            let client = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: server.token))
            await #expect { try await client.liveEvents(types: ["MessageRead"]) } throws: { error in
                (error as? HighLevelAPIError)?.status == 422
                    && (error as? HighLevelAPIError)?.messages
                        == ["event must be one of the following values: InboundMessage, OutboundMessage, LiveChatTyping"]
            }
        }
    }

    @Test func streamsEndWhenTheServerStops() async throws {
        let server = try await TestServer.start()
        let events = try await server.events()
        let stopping = ContinuousClock.now
        await server.stop()
        #expect(ContinuousClock.now - stopping < .seconds(5))
        var iterator = events.makeAsyncIterator()
        let next = try? await iterator.next()
        #expect(next == nil)
    }
}
