import SwitchboardCore
import Testing

@testable import SwitchboardClient

/// Tolerant decoding of pages and messages, without a server.
@Suite("Message decoding")
struct MessageDecodingTests {
    /// CONTRACT.md §2.3, verbatim.
    static let contractExample = #"""
        {
          "messages": {
            "lastMessageId": "Msg0002AbCdEfGhIjKlM",
            "nextPage": true,
            "messages": [
              {
                "id": "Msg0001AbCdEfGhIjKlM",
                "direction": "outbound",
                "status": "delivered",
                "type": 2,
                "locationId": "Loc0AbCdEfGhIjKlMnOp",
                "body": "See you at 3pm",
                "contactId": "Ctc0AbCdEfGhIjKlMnOp",
                "contentType": "text/plain",
                "conversationId": "Cnv0AbCdEfGhIjKlMnOp",
                "dateAdded": "2025-12-15T21:46:10.102Z",
                "dateUpdated": "2025-12-15T21:46:11.004Z",
                "source": "app",
                "userId": "Usr0AbCdEfGhIjKlMnOp",
                "messageType": "TYPE_SMS"
              },
              {
                "id": "Msg0002AbCdEfGhIjKlM",
                "direction": "inbound",
                "status": "completed",
                "type": 1,
                "locationId": "Loc0AbCdEfGhIjKlMnOp",
                "contactId": "Ctc0AbCdEfGhIjKlMnOp",
                "conversationId": "Cnv0AbCdEfGhIjKlMnOp",
                "dateAdded": "2025-12-15T21:40:02.630Z",
                "dateUpdated": "2025-12-15T21:41:20.837Z",
                "altId": "CA0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                "meta": { "call": { "duration": 37, "status": "completed" } },
                "messageType": "TYPE_CALL"
              }
            ]
          },
          "traceId": "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30"
        }
        """#

    static func page(_ text: String) throws -> ConversationMessagesPage {
        let object = try #require(try JSONParser.parse(Array(text.utf8)).objectValue)
        return try ConversationMessagesPage(json: object)
    }

    static func message(_ text: String) throws -> HighLevelMessage {
        try HighLevelMessage(json: try #require(try JSONParser.parse(Array(text.utf8)).objectValue))
    }

    @Test func contractExampleDecodes() throws {
        let page = try Self.page(Self.contractExample)
        #expect(page.nextPage)
        #expect(page.lastMessageId == MessageID(rawValue: "Msg0002AbCdEfGhIjKlM"))
        #expect(page.traceId == "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30")
        #expect(page.messages.count == 2)
        let sms = try #require(page.messages.first)
        #expect(sms.messageType == .known(.sms))
        #expect(sms.typeCode == 2)
        #expect(sms.direction == .known(.outbound))
        #expect(sms.body == "See you at 3pm")
        #expect(sms.dateAdded == Timestamp(iso8601: "2025-12-15T21:46:10.102Z"))
        #expect(sms.userId == "Usr0AbCdEfGhIjKlMnOp")
        let call = try #require(page.messages.last)
        #expect(call.messageType == .known(.call))
        #expect(call.status == "completed")
        #expect(call.call == CallDetails(duration: 37, status: "completed"))
        #expect(call.altId == "CA0f1e2d3c4b5a69788796a5b4c3d2e1f0")
        #expect(call.contentType == nil)
        #expect(call.message?.messageType == .call)
    }

    @Test func unwrappedPageFromTheCurrentSpecDecodesTheSame() throws {
        let wrapped = try Self.page(Self.contractExample)
        let unwrapped = try Self.page(
            #"{"lastMessageId":"Msg0002AbCdEfGhIjKlM","nextPage":true,"messages":"#
                + (try #require(try JSONParser.parse(Array(Self.contractExample.utf8)).objectValue?["messages"]?
                    .objectValue?["messages"])).jsonText + "}")
        #expect(unwrapped.messages == wrapped.messages)
        #expect(unwrapped.nextPage && unwrapped.lastMessageId == wrapped.lastMessageId)
        #expect(unwrapped.traceId == nil)
    }

    @Test func emptyLastPageWithoutCursorEndsPaging() throws {
        for text in [
            #"{"messages":{"nextPage":false,"messages":[]},"traceId":"t"}"#,
            #"{"messages":{"lastMessageId":"","nextPage":false,"messages":[]}}"#,
            #"{"messages":{"lastMessageId":null,"nextPage":true,"messages":[]}}"#,
        ] {
            let page = try Self.page(text)
            #expect(page.messages.isEmpty)
            #expect(page.lastMessageId == nil)
            #expect(page.continuation == nil)
        }
    }

    @Test func unknownTypeDirectionAndFieldsAreKeptNotFatal() throws {
        let text = #"""
            {"id":"m1","type":99,"messageType":"TYPE_HOLOGRAM","direction":"sideways","status":"teleported",
             "locationId":"l1","contactId":"c1","conversationId":"v1","dateAdded":"2026-01-01T00:00:00.000Z",
             "sentiment":{"score":0.25,"label":"calm"},"meta":{"hologram":{"fps":60}}}
            """#
        let message = try Self.message(text)
        #expect(message.messageType == .unknown("TYPE_HOLOGRAM"))
        #expect(message.typeCode == 99)
        #expect(message.direction == .unknown("sideways"))
        #expect(message.status == "teleported")
        #expect(message.json["sentiment"]?.objectValue?["score"] == .number("0.25"))
        #expect(message.message == nil)
        #expect(!message.isFullyRepresentedByDomain)
        var written: [UInt8] = []
        message.writeJSON(to: &written)
        let compact = try JSONParser.parse(Array(text.utf8)).jsonText
        #expect(String(decoding: written, as: UTF8.self) == compact)
        #expect(compact.hasPrefix(#"{"id":"m1","type":99,"messageType":"TYPE_HOLOGRAM","#))
    }

    @Test func specMetaShapesAndNumericOnlyTypeAreRead() throws {
        let call = try Self.message(
            #"{"id":"m1","type":1,"locationId":"l","contactId":"c","conversationId":"v","dateAdded":1767225600000,"#
                + #""meta":{"callDuration":"120","callStatus":"voicemail"}}"#)
        #expect(call.messageType == .known(.call))
        #expect(call.call == CallDetails(duration: 120, status: "voicemail"))
        #expect(call.dateAdded == Timestamp(rawValue: 1_767_225_600_000))
        let email = try Self.message(
            #"{"id":"m2","messageType":"TYPE_EMAIL","locationId":"l","contactId":"c","conversationId":"v","#
                + #""dateAdded":"2026-01-01T00:00:00Z","meta":{"email":{"email":{"messageIds":["e1","e2"]}}}}"#)
        #expect(email.emailMessageIds == ["e1", "e2"])
        #expect(!email.isFullyRepresentedByDomain)  // the doubled nesting is written back as received
    }

    @Test func aMessageWithoutEssentialsIsAShapeError() throws {
        let error = try #require(throws: ResponseShapeError.self) {
            try Self.message(#"{"id":"m1","messageType":"TYPE_SMS","locationId":"l","contactId":"c","conversationId":"v"}"#)
        }
        #expect(error.reason == "message m1 has no readable dateAdded")
        #expect(throws: ResponseShapeError.self) { try Self.page(#"{"messages":"nope"}"#) }
    }

    @Test func domainMessagesAreWrittenWithTheServersBytes() throws {
        let original = Message(
            id: MessageID(rawValue: "m1"), conversationId: ConversationID(rawValue: "v1"),
            locationId: LocationID(rawValue: "l1"), contactId: ContactID(rawValue: "c1"), messageType: .call,
            direction: .inbound, status: "completed", body: "line1\n\"quoted\" ✓", dateAdded: Timestamp(rawValue: 1000),
            attachments: ["https://x/y.mp3"], call: CallDetails(duration: 12, status: "completed"))
        var writer = JSONWriter()
        original.write(to: &writer)
        let decoded = try HighLevelMessage(json: try #require(try JSONParser.parse(writer.bytes).objectValue))
        #expect(decoded.isFullyRepresentedByDomain)
        #expect(decoded.message == original)
        var written: [UInt8] = []
        decoded.writeJSON(to: &written)
        #expect(written == writer.bytes)
    }

    @Test func singleMessageAcceptsWrappedAndBare() throws {
        let bare = #"{"id":"m1","messageType":"TYPE_SMS","locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2026-01-01T00:00:00Z"}"#
        let wrapped = #"{"message":\#(bare),"traceId":"t"}"#
        for text in [bare, wrapped] {
            let object = try #require(try JSONParser.parse(Array(text.utf8)).objectValue)
            #expect(try HighLevelMessage(singleMessageBody: object).id == MessageID(rawValue: "m1"))
        }
    }

    @Test func exportPageReadsCursorAndTotal() throws {
        let text = #"{"messages":[{"id":"m1","messageType":"TYPE_SMS","subType":"x","locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2026-01-01T00:00:00Z"}],"nextCursor":"abc","total":7,"traceId":"t"}"#
        let page = try ExportedMessagesPage(json: try #require(try JSONParser.parse(Array(text.utf8)).objectValue))
        #expect(page.messages.map(\.id) == [MessageID(rawValue: "m1")])
        #expect(page.nextCursor == "abc")
        #expect(page.total == 7)
        #expect(page.messages.first?.json["subType"] == .string("x"))
    }
}
