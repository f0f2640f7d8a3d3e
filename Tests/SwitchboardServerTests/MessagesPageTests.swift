import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// `GET /conversations/{conversationId}/messages`: the envelope, limit, cursor and filter rules (issue 2).
@Suite struct MessagesPageTests {
    @Test(arguments: Backend.allCases)
    func pageHasTheWrappedWireShapeExactly(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let conversation = ConversationID(rawValue: "Cnv0AbCdEfGhIjKlMnOp")
            let contact = ContactID(rawValue: "Ctc0AbCdEfGhIjKlMnOp")
            let sms = Message(
                id: MessageID(rawValue: "Msg0001AbCdEfGhIjKlM"), conversationId: conversation, locationId: tenant.location,
                contactId: contact, messageType: .sms, direction: .outbound, status: "delivered", body: "See you at 3pm",
                contentType: "text/plain", dateAdded: Timestamp(rawValue: 1_765_835_170_102),
                dateUpdated: Timestamp(rawValue: 1_765_835_171_004), source: "app", userId: "Usr0AbCdEfGhIjKlMnOp")
            let call = Message(
                id: MessageID(rawValue: "Msg0002AbCdEfGhIjKlM"), conversationId: conversation, locationId: tenant.location,
                contactId: contact, messageType: .call, direction: .inbound, status: "completed", contentType: nil,
                dateAdded: Timestamp(rawValue: 1_765_834_802_630), dateUpdated: Timestamp(rawValue: 1_765_834_880_837),
                altId: "CA0f1e2d3c4b5a69788796a5b4c3d2e1f0", call: CallDetails(duration: 37, status: "completed"))
            let older = makeMessage(
                "Msg0000AbCdEfGhIjKlM", conversation: conversation, location: tenant.location, contact: contact,
                at: -365 * 86_400_000)
            try await store.insertMessages([call, sms, older], logger: .test)

            let response = try await client.get("/conversations/\(conversation)/messages?limit=2", headers: tenant.headers)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let traceId = try #require(try response.page().traceId)
            #expect(UUID(uuidString: traceId) != nil)
            let location = tenant.location.rawValue
            let expected = """
                {"messages":{"lastMessageId":"Msg0002AbCdEfGhIjKlM","nextPage":true,"messages":[\
                {"id":"Msg0001AbCdEfGhIjKlM","direction":"outbound","status":"delivered","type":2,"locationId":"\(location)",\
                "body":"See you at 3pm","contactId":"Ctc0AbCdEfGhIjKlMnOp","contentType":"text/plain",\
                "conversationId":"Cnv0AbCdEfGhIjKlMnOp","dateAdded":"2025-12-15T21:46:10.102Z",\
                "dateUpdated":"2025-12-15T21:46:11.004Z","source":"app","userId":"Usr0AbCdEfGhIjKlMnOp","messageType":"TYPE_SMS"},\
                {"id":"Msg0002AbCdEfGhIjKlM","direction":"inbound","status":"completed","type":1,"locationId":"\(location)",\
                "contactId":"Ctc0AbCdEfGhIjKlMnOp","conversationId":"Cnv0AbCdEfGhIjKlMnOp",\
                "dateAdded":"2025-12-15T21:40:02.630Z","dateUpdated":"2025-12-15T21:41:20.837Z",\
                "altId":"CA0f1e2d3c4b5a69788796a5b4c3d2e1f0",\
                "meta":{"call":{"duration":37,"status":"completed"},"callDuration":37,"callStatus":"completed"},\
                "messageType":"TYPE_CALL"}]},"traceId":"\(traceId)"}
                """
            #expect(response.text == expected)
        }
    }

    @Test(arguments: Backend.allCases)
    func emptyConversationOmitsLastMessageId(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let conversation = Conversation(
                id: .generate(), locationId: tenant.location, contactId: .generate(), dateAdded: testEpoch)
            try await store.createConversation(conversation, logger: .test)
            let response = try await client.get("/conversations/\(conversation.id)/messages", headers: tenant.headers)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(NSDictionary(dictionary: body) == ["messages": ["nextPage": false, "messages": [Any]()]] as NSDictionary)
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownConversationIsABadRequest(_ backend: Backend) async throws {
        try await withApp(backend) { _, tenant, client in
            let response = try await client.get("/conversations/NoSuchConversation01/messages", headers: tenant.headers)
            #expect(response.status == .badRequest)
            #expect(
                try response.errorBody()
                    == HighLevelErrorBody(statusCode: 400, message: "Conversation with id NoSuchConversation01 not found"))
        }
    }

    @Test(arguments: Backend.allCases)
    func defaultLimitIsTwentyAndLargeLimitsAreClampedToOneHundred(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 130)
            let defaultPage = try await client.get("/conversations/\(conversation)/messages", headers: tenant.headers).page()
            #expect(defaultPage.messages.messages.count == 20)
            #expect(defaultPage.messages.nextPage)
            for limit in ["101", "1000", "99999999999999999999999"] {
                let page = try await client.get(
                    "/conversations/\(conversation)/messages?limit=\(limit)", headers: tenant.headers
                ).page()
                #expect(page.messages.messages.count == 100)
            }
            let one = try await client.get("/conversations/\(conversation)/messages?limit=1", headers: tenant.headers).page()
            #expect(one.messages.messages.count == 1)
        }
    }

    @Test(arguments: Backend.allCases, [
        ("abc", "limit must be an integer number"), ("1.5", "limit must be an integer number"),
        ("1e99", "limit must be an integer number"), ("", "limit must be an integer number"),
        ("0", "limit must not be less than 1"), ("-3", "limit must not be less than 1"),
    ])
    func invalidLimitsAreUnprocessable(_ backend: Backend, _ limitAndMessage: (String, String)) async throws {
        let (limit, message) = limitAndMessage
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 3)
            let response = try await client.get(
                "/conversations/\(conversation)/messages?limit=\(limit)", headers: tenant.headers)
            #expect(response.status == .unprocessableContent)
            #expect(try response.errorBody() == .validation(message))
        }
    }

    @Test(arguments: Backend.allCases)
    func everyViolationIsListed(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 3)
            let response = try await client.get(
                "/conversations/\(conversation)/messages?limit=x&limit=2&lastMessageId=a&lastMessageId=b&type=TYPE_FAX",
                headers: tenant.headers)
            #expect(response.status == .unprocessableContent)
            let body = try response.errorBody()
            #expect(body.statusCode == 422)
            #expect(body.error == "Unprocessable Entity")
            guard case .list(let messages) = body.message else {
                Issue.record("expected a list of messages")
                return
            }
            #expect(messages.count == 3)
            #expect(messages[0] == "limit must not be repeated")
            #expect(messages[1] == "lastMessageId must not be repeated")
            #expect(messages[2].hasSuffix("(got TYPE_FAX)"))
        }
    }

    @Test(arguments: Backend.allCases)
    func cursorContinuesStrictlyAfterTheGivenMessage(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 10)
            let newestFirst = messages.reversed().map(\.id)
            let response = try await client.get(
                "/conversations/\(conversation)/messages?limit=3&lastMessageId=\(newestFirst[4])", headers: tenant.headers)
            let page = try response.page().messages
            #expect(page.messages.map(\.id) == Array(newestFirst[5..<8]))
            #expect(page.lastMessageId == newestFirst[7])
            #expect(page.nextPage)
            let last = try await client.get(
                "/conversations/\(conversation)/messages?limit=2&lastMessageId=\(newestFirst[7])", headers: tenant.headers
            ).page().messages
            #expect(last.messages.map(\.id) == Array(newestFirst[8..<10]))
            #expect(last.nextPage == false)
            let beyond = try await client.get(
                "/conversations/\(conversation)/messages?lastMessageId=\(newestFirst[9])", headers: tenant.headers
            ).page().messages
            #expect(beyond.messages.isEmpty)
            #expect(beyond.lastMessageId == nil)
            #expect(beyond.nextPage == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func cursorFromAnotherConversationOrUnknownIsRejected(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 3)
            let (_, otherMessages) = try await seedConversation(store, tenant: tenant, count: 3)
            let otherTenant = try await store.makeTenant()
            let (_, foreignMessages) = try await seedConversation(store, tenant: otherTenant, count: 1)
            for cursor in [otherMessages[0].id.rawValue, foreignMessages[0].id.rawValue, "NoSuchMessage0000000",
                           "%27%20OR%201%3D1%20--", "%F0%9F%91%8B", String(repeating: "x", count: 10_000)] {
                let response = try await client.get(
                    "/conversations/\(conversation)/messages?lastMessageId=\(cursor)", headers: tenant.headers)
                #expect(response.status == .badRequest)
                #expect(try response.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Invalid lastMessageId"))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func emptyCursorMeansTheFirstPage(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 3)
            let page = try await client.get(
                "/conversations/\(conversation)/messages?lastMessageId=", headers: tenant.headers
            ).page().messages
            #expect(page.messages.first?.id == messages.last?.id)
        }
    }

    @Test(arguments: Backend.allCases)
    func typeFilterAppliesBeforePaging(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            let types: [MessageType] = [.sms, .call, .email, .internalComment, .whatsapp, .campaignSMS]
            let messages = (0..<60).map { index in
                makeMessage(
                    conversation: conversation, location: tenant.location, contact: contact,
                    type: types[index % types.count], at: Int64(index))
            }
            try await store.insertMessages(messages, logger: .test)
            let expected = messages.filter { [.sms, .call].contains($0.messageType) }.reversed().map(\.id)
            var seen: [MessageID] = []
            var cursor = ""
            var requests = 0
            repeat {
                let page = try await client.get(
                    "/conversations/\(conversation)/messages?limit=7&type=TYPE_SMS,%20TYPE_CALL,TYPE_SMS\(cursor)",
                    headers: tenant.headers
                ).page().messages
                seen += page.messages.map(\.id)
                requests += 1
                if !page.nextPage { break }
                cursor = "&lastMessageId=\(try #require(page.lastMessageId))"
            } while requests < 100
            #expect(seen == Array(expected))
            #expect(requests == 3)  // 20 matches, 7 per page
            let comments = try await client.get(
                "/conversations/\(conversation)/messages?type=TYPE_INTERNAL_COMMENTS&limit=100", headers: tenant.headers
            ).page().messages.messages
            #expect(comments.count == 10)
            #expect(comments.allSatisfy { $0.messageType == .internalComment && $0.typeCode == 37 })
        }
    }

    /// Query strings are read as HighLevel's servers read them (issue 17): `+` is a space and escapes are decoded, in
    /// names and values, so `type=+TYPE_SMS+,+TYPE_CALL+` is the filter `TYPE_SMS,TYPE_CALL`, and a search's `query`
    /// may use `+` between words; a malformed escape is kept as sent.
    @Test(arguments: Backend.allCases)
    func plusIsASpaceAndEscapesAreDecodedInEveryQuery(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let ada = try await makeContact(store, tenant: tenant, name: "Ada Lovelace", email: "ada@example.com")
            let conversation = ConversationID.generate()
            let types: [MessageType] = [.sms, .call, .email]
            let messages = (0..<9).map { index in
                makeMessage(
                    conversation: conversation, location: tenant.location, contact: ada.id, type: types[index % 3],
                    at: Int64(index), body: "late invoice \(index)")
            }
            try await store.insertMessages(messages, logger: .test)
            let plain = try await client.get(
                "/conversations/\(conversation)/messages?type=TYPE_SMS,TYPE_CALL&limit=5", headers: tenant.headers)
            #expect(plain.status == .ok)
            #expect(try plain.page().messages.messages.count == 5)
            for query in ["type=+TYPE_SMS+,+TYPE_CALL+&limit=5", "t%79pe=TYPE_SMS%2CTYPE_CALL&limit=5",
                          "type=TYPE_SMS,+TYPE_CALL&lim%69t=5"] {
                let encoded = try await client.get("/conversations/\(conversation)/messages?\(query)", headers: tenant.headers)
                #expect(encoded.status == .ok, "\(query)")
                #expect(try encoded.json() as NSDictionary == plain.json() as NSDictionary, "\(query)")
            }
            // A `+` that is not a space in HighLevel's reading is a space here too: an unknown type, named as read.
            let unknown = try await client.get(
                "/conversations/\(conversation)/messages?type=TYPE+SMS", headers: tenant.headers)
            #expect(unknown.status == .unprocessableContent)
            let allowed = MessageTypeFilter.documentedValues.map(\.key).joined(separator: ", ")
            #expect(
                try unknown.errorBody()
                    == .validation("type must be one of the following values: \(allowed) (got TYPE SMS)"))

            let searched = try await client.get(
                "/conversations/search?locationId=\(tenant.location)&query=ada+lovelace", headers: tenant.headers)
            #expect(searched.status == .ok)
            #expect((try searched.json()["conversations"] as? [[String: Any]])?.map { $0["id"] as? String } == [conversation.rawValue])
            // A malformed escape is kept as sent: a search for the literal text, which matches nothing.
            let malformed = try await client.get(
                "/conversations/search?locationId=\(tenant.location)&query=ada%zz", headers: tenant.headers)
            #expect(malformed.status == .ok)
            #expect(try malformed.json()["total"] as? Int == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownTypeIsUnprocessableAndNamed(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let response = try await client.get(
                "/conversations/\(conversation)/messages?type=TYPE_SMS,TYPE_PIGEON", headers: tenant.headers)
            #expect(response.status == .unprocessableContent)
            let allowed = MessageTypeFilter.documentedValues.map(\.key).joined(separator: ", ")
            #expect(
                try response.errorBody()
                    == .validation("type must be one of the following values: \(allowed) (got TYPE_PIGEON)"))
        }
    }

    /// Newest first by dateAdded, ties by id descending (byte order), across pages of every size.
    @Test(arguments: Backend.allCases, [1, 2, 3, 5, 8, 13, 100])
    func walkingEveryPageReturnsEachMatchOnceInOrder(_ backend: Backend, _ limit: Int) async throws {
        try await withApp(backend) { store, tenant, client in
            var generator = SeededGenerator(seed: UInt64(limit))
            let conversation = ConversationID.generate()
            let contact = ContactID.generate()
            let types: [MessageType] = [.sms, .call, .email, .whatsapp, .internalComment, .activityAppointment]
            // Few distinct timestamps, so most messages tie; ids of mixed case and digits test byte order.
            let messages = (0..<150).map { _ in
                makeMessage(
                    conversation: conversation, location: tenant.location, contact: contact,
                    type: types[Int(generator.next(upperBound: UInt64(types.count)))],
                    at: Int64(generator.next(upperBound: 12 as UInt64)) * 1000)
            }
            try await store.insertMessages(messages, logger: .test)
            let filters: [[MessageType]?] = [nil, [.sms], [.call, .email], [.internalComment, .activityAppointment, .sms]]
            for filter in filters {
                let expected = messages
                    .filter { message in filter.map { $0.contains(message.messageType) } ?? true }
                    .sorted { ($0.dateAdded, $0.id) > ($1.dateAdded, $1.id) }
                    .map(\.id)
                let typeParameter = filter.map { types in
                    "&type=" + types.map { $0 == .internalComment ? "TYPE_INTERNAL_COMMENTS" : $0.rawValue }
                        .joined(separator: ",")
                } ?? ""
                var seen: [MessageID] = []
                var cursor: MessageID?
                var pages = 0
                while pages <= expected.count + 1 {
                    let uri = "/conversations/\(conversation)/messages?limit=\(limit)\(typeParameter)"
                        + (cursor.map { "&lastMessageId=\($0)" } ?? "")
                    let page = try await client.get(uri, headers: tenant.headers).page().messages
                    pages += 1
                    seen += page.messages.map(\.id)
                    #expect(page.lastMessageId == page.messages.last?.id)
                    // nextPage is true exactly when more matches remain.
                    #expect(page.nextPage == (seen.count < expected.count))
                    guard page.nextPage else { break }
                    cursor = page.lastMessageId
                }
                #expect(seen == expected)
                #expect(pages == max(1, (expected.count + limit - 1) / limit))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func getMessageIsWrapped(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (_, messages) = try await seedConversation(store, tenant: tenant, count: 2)
            let response = try await client.get("/conversations/messages/\(messages[0].id)", headers: tenant.headers)
            #expect(response.status == .ok)
            let body = try response.json()
            var writer = JSONWriter()
            messages[0].write(to: &writer)
            let expected = try JSONSerialization.jsonObject(with: Data(writer.bytes))
            #expect(NSDictionary(dictionary: body) == ["message": expected] as NSDictionary)
        }
    }

    @Test(arguments: Backend.allCases)
    func getMessageOfAnotherLocationIsForbiddenAndAnUnknownOneNotFound(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let other = try await store.makeTenant()
            let (_, messages) = try await seedConversation(store, tenant: other, count: 1)
            let foreign = try await client.get("/conversations/messages/\(messages[0].id)", headers: tenant.headers)
            #expect(foreign.status == .forbidden)
            #expect(try foreign.errorBody() == HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location."))
            for id in ["NoSuchMessage0000000", "%27;--"] {
                let response = try await client.get("/conversations/messages/\(id)", headers: tenant.headers)
                #expect(response.status == .notFound)
                #expect(try response.errorBody() == HighLevelErrorBody(statusCode: 404, message: "Message not found"))
            }
        }
    }
}
