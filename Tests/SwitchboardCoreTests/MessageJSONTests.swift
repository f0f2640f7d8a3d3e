import Foundation
import SwitchboardCore
import Testing

/// CONTRACT.md §2.3: the wire example of a page (ids are examples).
let contractExamplePage = #"""
{
  "messages": {
    "lastMessageId": "Msg0002AbCdEfGhIjKlM",
    "nextPage": true,
    "messages": [
      {
        "id": "Msg0001AbCdEfGhIjKlM", "direction": "outbound", "status": "delivered", "type": 2,
        "locationId": "Loc0AbCdEfGhIjKlMnOp", "body": "See you at 3pm", "contactId": "Ctc0AbCdEfGhIjKlMnOp",
        "contentType": "text/plain", "conversationId": "Cnv0AbCdEfGhIjKlMnOp",
        "dateAdded": "2025-12-15T21:46:10.102Z", "dateUpdated": "2025-12-15T21:46:11.004Z", "source": "app",
        "userId": "Usr0AbCdEfGhIjKlMnOp", "messageType": "TYPE_SMS"
      },
      {
        "id": "Msg0002AbCdEfGhIjKlM", "direction": "inbound", "status": "completed", "type": 1,
        "locationId": "Loc0AbCdEfGhIjKlMnOp", "contactId": "Ctc0AbCdEfGhIjKlMnOp",
        "conversationId": "Cnv0AbCdEfGhIjKlMnOp", "dateAdded": "2025-12-15T21:40:02.630Z",
        "dateUpdated": "2025-12-15T21:41:20.837Z", "altId": "CA0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "meta": { "call": { "duration": 37, "status": "completed" } }, "messageType": "TYPE_CALL"
      }
    ]
  },
  "traceId": "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30"
}
"""#

func jsonObject(_ bytes: some Sequence<UInt8>) throws -> NSObject {
    try #require(JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? NSObject)
}

func randomMessage(_ generator: inout SeededGenerator) -> Message {
    func maybe<T>(_ value: @autoclosure () -> T) -> T? {
        generator.next(upperBound: 2 as UInt64) == 0 ? nil : value()
    }
    let samples = ["", "plain", "quote \" and backslash \\", "new\nline\ttab\r", "control \u{01}\u{1F}", "emoji 👋🏽 ünïcødé",
                   "</script>", "slash / done", "'; DROP TABLE messages; --"]
    func text() -> String { samples[Int(generator.next(upperBound: UInt64(samples.count)))] }
    let type = MessageType.allCases[Int(generator.next(upperBound: UInt64(MessageType.allCases.count)))]
    let added = Int64(generator.next(upperBound: 4_000_000_000_000 as UInt64))
    let hasCall = generator.next(upperBound: 2 as UInt64) == 0
    return Message(
        id: .generate(using: &generator), conversationId: .generate(using: &generator),
        locationId: .generate(using: &generator), contactId: .generate(using: &generator), messageType: type,
        direction: maybe(.inbound), status: maybe(text()), body: maybe(text()), contentType: maybe("text/plain"),
        dateAdded: Timestamp(rawValue: added), dateUpdated: Timestamp(rawValue: added + 5), source: maybe("api"),
        userId: maybe(text()), altId: maybe(text()), attachments: maybe([text(), text()]),
        call: hasCall ? CallDetails(duration: maybe(Int(generator.next(upperBound: 5000 as UInt64))), status: maybe(text())) : nil,
        emailMessageIds: maybe([text()]), conversationProviderId: maybe(text()), chatWidgetId: maybe(text()))
}

@Suite struct MessageJSONTests {
    @Test func contractExampleDecodes() throws {
        let page = try JSONDecoder().decode(MessagePageResponse.self, from: Data(contractExamplePage.utf8))
        #expect(page.traceId == "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30")
        #expect(page.messages.nextPage)
        #expect(page.messages.lastMessageId == MessageID(rawValue: "Msg0002AbCdEfGhIjKlM"))
        #expect(page.messages.messages.count == 2)
        let sms = page.messages.messages[0]
        #expect(sms.messageType == .sms)
        #expect(sms.typeCode == 2)
        #expect(sms.dateAdded.iso8601 == "2025-12-15T21:46:10.102Z")
        #expect(sms.userId == "Usr0AbCdEfGhIjKlMnOp")
        let call = page.messages.messages[1]
        #expect(call.messageType == .call)
        #expect(call.call == CallDetails(duration: 37, status: "completed"))
        #expect(call.altId == "CA0f1e2d3c4b5a69788796a5b4c3d2e1f0")
        #expect(call.body == nil)
    }

    /// Re-encoding the example gives the same page, plus the spec's flat call keys.
    @Test func contractExampleReencodesToTheSameWireShape() throws {
        let decoded = try JSONDecoder().decode(MessagePageResponse.self, from: Data(contractExamplePage.utf8))
        let page = MessagePage(messages: decoded.messages.messages, nextPage: decoded.messages.nextPage)
        let ours = try jsonObject(page.responseBytes(traceId: "0b8f2d1e-4c3a-4f5b-9e7d-2a1c6b5e4f30"))
        var expected = try #require(try jsonObject(Array(contractExamplePage.utf8)) as? [String: Any])
        var inner = try #require(expected["messages"] as? [String: Any])
        var messages = try #require(inner["messages"] as? [[String: Any]])
        messages[1]["meta"] = ["call": ["duration": 37, "status": "completed"], "callDuration": 37, "callStatus": "completed"]
        inner["messages"] = messages
        expected["messages"] = inner
        #expect(ours == (expected as NSDictionary))
    }

    @Test func specMetaFormsDecode() throws {
        let flat = #"""
            {"id":"m1","type":1,"locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2024-03-27T18:13:49.000Z",
             "direction":"inbound","contentType":"text/plain","meta":{"callDuration":"120","callStatus":"busy"}}
            """#
        let message = try JSONDecoder().decode(Message.self, from: Data(flat.utf8))
        #expect(message.messageType == .call)
        #expect(message.call == CallDetails(duration: 120, status: "busy"))
        #expect(message.dateUpdated == message.dateAdded)
        let doubled = #"""
            {"id":"m2","messageType":"TYPE_EMAIL","type":3,"locationId":"l","contactId":"c","conversationId":"v",
             "dateAdded":"2024-03-27T18:13:49.000Z","meta":{"email":{"email":{"messageIds":["a","b"]}}}}
            """#
        #expect(try JSONDecoder().decode(Message.self, from: Data(doubled.utf8)).emailMessageIds == ["a", "b"])
    }

    /// The hand-written writer and the `Codable` encoding describe the same JSON for any message.
    @Test func writerMatchesCodableEncoding() throws {
        var generator = SeededGenerator(seed: 42)
        let encoder = JSONEncoder()
        for _ in 0..<500 {
            let message = randomMessage(&generator)
            var writer = JSONWriter()
            message.write(to: &writer)
            #expect(try jsonObject(writer.bytes) == jsonObject(encoder.encode(message)))
            // And it decodes back to the same value.
            #expect(try JSONDecoder().decode(Message.self, from: Data(writer.bytes)) == message)
        }
    }

    @Test func writerEscapesLikeJSON() throws {
        var writer = JSONWriter()
        writer.string("a\"b\\c\n\u{0}\u{1F}é👋")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\"b\\c\n\u0000\u001fé👋""#)
        var numbers = JSONWriter()
        numbers.beginArray()
        for value in [0, 7, -12, Int.max, Int.min] { numbers.integer(value) }
        numbers.endArray()
        #expect(String(decoding: numbers.bytes, as: UTF8.self) == "[0,7,-12,9223372036854775807,-9223372036854775808]")
    }

    @Test func emptyPageOmitsLastMessageId() {
        let bytes = MessagePage(messages: [], nextPage: false).responseBytes(traceId: "t")
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"messages":{"nextPage":false,"messages":[]},"traceId":"t"}"#)
    }

    @Test func errorBodyDecodesBothMessageForms() throws {
        let single = try JSONDecoder().decode(
            HighLevelErrorBody.self, from: Data(#"{"statusCode":401,"message":"Invalid JWT"}"#.utf8))
        #expect(single == HighLevelErrorBody(statusCode: 401, message: "Invalid JWT"))
        let list = try JSONDecoder().decode(
            HighLevelErrorBody.self,
            from: Data(#"{"statusCode":422,"message":["a","b"],"error":"Unprocessable Entity"}"#.utf8))
        #expect(list == HighLevelErrorBody(statusCode: 422, messages: ["a", "b"], error: "Unprocessable Entity"))
        #expect(list.message.text == "a, b")
    }
}

@Suite struct MessageLineParserTests {
    /// The import path's byte parser and `JSONDecoder` read the same messages from what the server writes.
    @Test func agreesWithJSONDecoderOnServedMessages() throws {
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<1000 {
            let message = randomMessage(&generator)
            var writer = JSONWriter()
            message.write(to: &writer)
            let fast = MessageLineParser.parse(writer.bytes)
            let decoded = try JSONDecoder().decode(Message.self, from: Data(writer.bytes))
            if let fast { #expect(fast == decoded) }
            // Only \u escapes (control characters) may send a served line to the fallback.
            let hasUnicodeEscape = String(decoding: writer.bytes, as: UTF8.self).contains("\\u")
            #expect(fast != nil || hasUnicodeEscape)
        }
    }

    @Test(arguments: [
        #"{"id":"m1","type":1,"locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2024-03-27T18:13:49.000Z","meta":{"callDuration":120,"callStatus":"busy"}}"#,
        #"{"id":"m1","messageType":"TYPE_EMAIL","locationId":"l","contactId":"c","conversationId":"v","dateAdded":1711563229000,"meta":{"email":{"messageIds":["a"]}},"extra":{"nested":[1,2,{"x":null}]},"flag":true}"#,
        #" { "id" : "m1" , "messageType" : "TYPE_SMS" , "locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2024-03-27T18:13:49Z","body":"a\"b\\c\/d\ne","direction":null } "#,
    ])
    func readsTheSameAsJSONDecoder(_ line: String) throws {
        let fast = try #require(MessageLineParser.parse(Array(line.utf8)))
        #expect(fast == (try JSONDecoder().decode(Message.self, from: Data(line.utf8))))
    }

    @Test(arguments: [
        "", "{", "[]", #"{"id":"m1"}"#, #"{"id":"m1","messageType":"TYPE_FAX","locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2024-03-27T18:13:49Z"}"#,
        #"{"id":"m1","messageType":"TYPE_SMS","locationId":"l","contactId":"c","conversationId":"v","dateAdded":"soon"}"#,
        #"{"id":"m1","messageType":"TYPE_SMS","locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2024-03-27T18:13:49Z"} trailing"#,
        #"{"id":"m1","messageType":"TYPE_SMS","locationId":"l","contactId":"c","conversationId":"v","dateAdded":"2024-03-27T18:13:49Z","type":1.5}"#,
    ])
    func leavesWhatItCannotReadToTheDecoder(_ line: String) {
        #expect(MessageLineParser.parse(Array(line.utf8)) == nil)
    }
}
