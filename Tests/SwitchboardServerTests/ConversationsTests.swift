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

func makeContact(_ store: any ConversationStore, tenant: Tenant, name: String = "Ada Lovelace",
                 email: String? = nil, phone: String? = nil) async throws -> Contact {
    let contact = Contact(id: .generate(), locationId: tenant.location, name: name, email: email, phone: phone,
                          dateAdded: testEpoch)
    try await store.createContact(contact, logger: .test)
    return contact
}

/// `POST /conversations/`, `GET|PUT|DELETE /conversations/{id}`, `GET /conversations/search` (issue 3).
@Suite struct ConversationsTests {
    @Test(arguments: Backend.allCases)
    func createAnswers201WithTheDocumentedFields(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant)
            for path in ["/conversations/", "/conversations"] {
                let other = try await makeContact(store, tenant: tenant, name: path)
                let response = try await client.send(
                    .post, path, headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","contactId":"\#(other.id)"}"#)
                #expect(response.status == .created)
                let body = try response.json()
                #expect(body["success"] as? Bool == true)
                let conversation = try #require(body["conversation"] as? [String: Any])
                #expect(Set(conversation.keys) == ["id", "dateUpdated", "dateAdded", "deleted", "contactId", "locationId",
                                                   "lastMessageDate"])
                #expect(conversation["contactId"] as? String == other.id.rawValue)
                #expect(conversation["locationId"] as? String == tenant.location.rawValue)
                #expect(conversation["deleted"] as? Bool == false)
                #expect((conversation["dateAdded"] as? String)?.hasPrefix("2026-01-01T00:00:00.00") == true)
                let id = ConversationID(rawValue: try #require(conversation["id"] as? String))
                #expect(try await store.conversation(id, in: tenant.location, logger: .test)?.contactId == other.id)
            }
            _ = contact
        }
    }

    @Test(arguments: Backend.allCases)
    func aSecondConversationForTheContactIsRefused(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant)
            let json = #"{"locationId":"\#(tenant.location)","contactId":"\#(contact.id)"}"#
            #expect(try await client.send(.post, "/conversations/", headers: tenant.headers, json: json).status == .created)
            let again = try await client.send(.post, "/conversations/", headers: tenant.headers, json: json)
            #expect(again.status == .badRequest)
            #expect(try again.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Conversation with the contact id:\(contact.id) already exists!"))
        }
    }

    @Test(arguments: Backend.allCases)
    func createValidatesAndChecksLocationAndContact(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let missing = try await client.send(.post, "/conversations/", headers: tenant.headers, json: #"{"contactId":5}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.errorBody() == .validation("locationId should not be empty", "contactId must be a string"))
            let other = try await store.makeTenant()
            let foreign = try await client.send(
                .post, "/conversations/", headers: tenant.headers, json: #"{"locationId":"\#(other.location)","contactId":"c"}"#)
            #expect(foreign.status == .forbidden)
            let unknown = try await client.send(
                .post, "/conversations/", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","contactId":"NoSuchContact"}"#)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Contact with id NoSuchContact not found"))
            let invalid = try await client.send(.post, "/conversations/", headers: tenant.headers, json: #"{"locationId":"#)
            #expect(invalid.status == .badRequest)
            #expect(try invalid.errorBody().message == .single("Unexpected token in JSON: the request body is not valid JSON"))
            let array = try await client.send(.post, "/conversations/", headers: tenant.headers, json: "[1,2]")
            #expect(array.status == .badRequest)
            var textHeaders = tenant.headers
            textHeaders[.contentType] = "text/plain"
            let text = try await client.execute(
                uri: "/conversations/", method: .post, headers: textHeaders,
                body: .init(string: #"{"locationId":"x","contactId":"y"}"#))
            #expect(text.status == .unprocessableContent)
            #expect(try text.errorBody() == .validation("locationId should not be empty", "contactId should not be empty"))
            let readOnly = try await store.makeToken(for: tenant.location, scopes: [.conversationsReadonly])
            let scoped = try await client.send(
                .post, "/conversations/", headers: [.version: "v3", .authorization: "Bearer \(readOnly)"], json: "{}")
            #expect(scoped.status == .unauthorized)
            #expect(try scoped.errorBody().message == .single("The token is not authorized for this scope."))
        }
    }

    @Test(arguments: Backend.allCases)
    func getUpdateAndDeleteAConversation(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let (conversation, messages) = try await seedConversation(store, tenant: tenant, count: 3)
            let fetched = try await client.get("/conversations/\(conversation)", headers: tenant.headers)
            #expect(fetched.status == .ok)
            let body = try fetched.json()
            #expect(body["id"] as? String == conversation.rawValue)
            #expect(body["locationId"] as? String == tenant.location.rawValue)
            #expect(body["type"] as? Int == 1)
            #expect(body["unreadCount"] as? Int == 3)
            #expect(body["deleted"] as? Bool == false)
            #expect(body["inbox"] as? Bool == true)
            #expect(body["starred"] as? Bool == false)
            #expect(body["lastMessageType"] as? String == "TYPE_SMS")
            #expect(body["lastMessageDate"] as? Int == Int(try #require(messages.last).dateAdded.rawValue))

            let update = try await client.send(
                .put, "/conversations/\(conversation)", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","unreadCount":0,"starred":true,"feedback":{"rating":5}}"#)
            #expect(update.status == .ok)
            let updated = try update.json()
            #expect(updated["success"] as? Bool == true)
            let dto = try #require(updated["conversation"] as? [String: Any])
            #expect(dto["unreadCount"] as? Int == 0)
            #expect(dto["starred"] as? Bool == true)
            #expect(dto["lastMessageDate"] as? String == String(try #require(messages.last).dateAdded.rawValue))
            #expect(dto["lastMessageBody"] as? String == "hello")

            let invalid = try await client.send(
                .put, "/conversations/\(conversation)", headers: tenant.headers,
                json: #"{"unreadCount":-1,"starred":"yes","feedback":3}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(try invalid.errorBody() == .validation(
                "locationId should not be empty", "unreadCount must not be less than 0", "starred must be a boolean value",
                "feedback must be an object or a string"))

            let deleted = try await client.execute(uri: "/conversations/\(conversation)", method: .delete, headers: tenant.headers)
            #expect(deleted.status == .ok)
            #expect(NSDictionary(dictionary: try deleted.json()) == ["success": true] as NSDictionary)
            let gone = try await client.get("/conversations/\(conversation)", headers: tenant.headers)
            #expect(gone.status == .badRequest)
            #expect(try gone.errorBody().message == .single("Conversation with id \(conversation) not found"))
            let page = try await client.get("/conversations/\(conversation)/messages", headers: tenant.headers)
            #expect(page.status == .badRequest)
        }
    }

    @Test(arguments: Backend.allCases)
    func anotherLocationsConversationCannotBeReadChangedOrDeleted(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let other = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: other, count: 1)
            let forbidden = HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location.")
            #expect(try await client.get("/conversations/\(conversation)", headers: tenant.headers).errorBody() == forbidden)
            let put = try await client.send(
                .put, "/conversations/\(conversation)", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","starred":true}"#)
            #expect(put.status == .forbidden)
            let delete = try await client.execute(uri: "/conversations/\(conversation)", method: .delete, headers: tenant.headers)
            #expect(delete.status == .forbidden)
            #expect(try await store.conversation(conversation, in: other.location, logger: .test)?.starred == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func searchReturnsConversationsWithContactFields(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let ada = try await makeContact(store, tenant: tenant, name: "Ada Lovelace", email: "ada@example.com", phone: "+1555")
            let grace = try await makeContact(store, tenant: tenant, name: "Grace Hopper", email: "grace@example.com")
            let first = ConversationID.generate()
            let second = ConversationID.generate()
            try await store.insertMessages(
                [makeMessage(conversation: first, location: tenant.location, contact: ada.id, at: 1000, body: "invoice please"),
                 makeMessage(conversation: second, location: tenant.location, contact: grace.id, type: .email,
                             direction: .outbound, at: 2000, body: "quote attached")],
                logger: .test)
            let all = try await client.get("/conversations/search?locationId=\(tenant.location)", headers: tenant.headers)
            #expect(all.status == .ok)
            let body = try all.json()
            #expect(body["total"] as? Int == 2)
            let rows = try #require(body["conversations"] as? [[String: Any]])
            #expect(rows.map { $0["id"] as? String } == [second.rawValue, first.rawValue])
            let row = rows[1]
            for key in ["id", "contactId", "locationId", "lastMessageBody", "lastMessageType", "type", "unreadCount",
                        "fullName", "contactName", "email", "phone"] {
                #expect(row[key] != nil, "missing \(key)")
            }
            #expect(row["fullName"] as? String == "Ada Lovelace")
            #expect(row["email"] as? String == "ada@example.com")
            #expect(row["phone"] as? String == "+1555")
            #expect(row["type"] as? String == "TYPE_PHONE")
            #expect(rows[0]["type"] as? String == "TYPE_EMAIL")
            #expect(row["lastMessageDate"] as? Int == Int(testEpoch.rawValue + 1000))

            func ids(_ query: String) async throws -> [String] {
                let response = try await client.get(
                    "/conversations/search?locationId=\(tenant.location)&\(query)", headers: tenant.headers)
                #expect(response.status == .ok, "\(query)")
                return try #require(try response.json()["conversations"] as? [[String: Any]]).compactMap { $0["id"] as? String }
            }
            #expect(try await ids("query=grace") == [second.rawValue])
            #expect(try await ids("query=INVOICE") == [first.rawValue])
            #expect(try await ids("query=%2B1555") == [first.rawValue])
            #expect(try await ids("contactId=\(ada.id)") == [first.rawValue])
            #expect(try await ids("lastMessageType=TYPE_EMAIL") == [second.rawValue])
            #expect(try await ids("lastMessageDirection=inbound") == [first.rawValue])
            #expect(try await ids("status=unread") == [first.rawValue])
            #expect(try await ids("sort=asc&sortBy=last_message_date") == [first.rawValue, second.rawValue])
            #expect(try await ids("limit=1") == [second.rawValue])
            #expect(try await ids("limit=1&startAfterDate=\(testEpoch.rawValue + 2000)") == [first.rawValue])
        }
    }

    @Test(arguments: Backend.allCases)
    func searchValidatesItsParametersAndLocation(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let missing = try await client.get("/conversations/search", headers: tenant.headers)
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.errorBody() == .validation("locationId should not be empty"))
            let bad = try await client.get(
                "/conversations/search?locationId=\(tenant.location)&status=new&sort=up&limit=0&startAfterDate=yesterday",
                headers: tenant.headers)
            #expect(bad.status == .unprocessableContent)
            #expect(try bad.errorBody() == .validation(
                "status must be one of the following values: all, read, unread, starred, recents",
                "sort must be one of the following values: asc, desc", "startAfterDate must be a number (epoch milliseconds)",
                "limit must not be less than 1"))
            let other = try await store.makeTenant()
            let foreign = try await client.get("/conversations/search?locationId=\(other.location)", headers: tenant.headers)
            #expect(foreign.status == .forbidden)
            let token = try await store.makeToken(for: tenant.location, scopes: [.messagesReadonly])
            let scoped = try await client.get(
                "/conversations/search?locationId=\(tenant.location)", headers: [.version: "v3", .authorization: "Bearer \(token)"])
            #expect(scoped.status == .unauthorized)
        }
    }
}
