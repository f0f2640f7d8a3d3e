import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// `POST /contacts/`, `GET /contacts/{id}`, `POST /contacts/upsert`: the fields conversations show.
@Suite struct ContactsTests {
    @Test(arguments: Backend.allCases)
    func createGetAndUpsert(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let created = try await client.send(
                .post, "/contacts/", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","firstName":"Ada","lastName":"Lovelace","email":"Ada@Example.com","phone":"+15550100","companyName":"Analytical","tags":["Kept"]}"#)
            #expect(created.status == .created)
            let contact = try #require(try created.json()["contact"] as? [String: Any])
            let id = try #require(contact["id"] as? String)
            #expect(NSDictionary(dictionary: contact) == [
                "id": id, "locationId": tenant.location.rawValue, "name": "Ada Lovelace", "firstName": "Ada",
                "lastName": "Lovelace", "email": "Ada@Example.com", "emailLowerCase": "ada@example.com",
                "phone": "+15550100", "companyName": "Analytical", "tags": ["kept"], "dnd": false,
                "dateAdded": "2026-01-01T00:00:00.000Z", "dateUpdated": "2026-01-01T00:00:00.000Z",
            ] as NSDictionary)
            let fetched = try await client.get("/contacts/\(id)", headers: tenant.headers)
            #expect(fetched.status == .ok)
            #expect(NSDictionary(dictionary: try #require(try fetched.json()["contact"] as? [String: Any])) == contact as NSDictionary)

            let duplicate = try await client.send(
                .post, "/contacts/", headers: tenant.headers, json: #"{"locationId":"\#(tenant.location)","email":"ada@example.com"}"#)
            #expect(duplicate.status == .badRequest)
            #expect(try duplicate.errorBody().message == .single("This location does not allow duplicated contacts."))

            let upserted = try await client.send(
                .post, "/contacts/upsert", headers: tenant.headers,
                json: #"{"locationId":"\#(tenant.location)","email":"ADA@example.com","companyName":"Engines Ltd"}"#)
            #expect(upserted.status == .ok)
            let upsertBody = try upserted.json()
            #expect(upsertBody["new"] as? Bool == false)
            let merged = try #require(upsertBody["contact"] as? [String: Any])
            #expect(merged["id"] as? String == id)
            #expect(merged["companyName"] as? String == "Engines Ltd")
            #expect(merged["firstName"] as? String == "Ada")
            let fresh = try await client.send(
                .post, "/contacts/upsert", headers: tenant.headers, json: #"{"locationId":"\#(tenant.location)","phone":"+1999"}"#)
            #expect(fresh.status == .created)
            #expect(try fresh.json()["new"] as? Bool == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func contactsAreValidatedScopedAndIsolated(_ backend: Backend) async throws {
        try await withApp(backend) { store, tenant, client in
            let invalid = try await client.send(.post, "/contacts/", headers: tenant.headers, json: #"{"email":"nope","phone":5}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(try invalid.errorBody() == .validation(
                "locationId should not be empty", "email must be an email", "phone must be a string"))
            let unknown = try await client.get("/contacts/NoSuchContact", headers: tenant.headers)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Contact with id NoSuchContact not found"))
            let other = try await store.makeTenant()
            let foreign = try await makeContact(store, tenant: other)
            // Another location's contact is a 403 (issue 17), as its conversations are.
            let foreignRead = try await client.get("/contacts/\(foreign.id)", headers: tenant.headers)
            #expect(foreignRead.status == .forbidden)
            #expect(try foreignRead.errorBody() == HighLevelErrorBody(statusCode: 403, message: "The token does not have access to this location."))
            let forbidden = try await client.send(
                .post, "/contacts/", headers: tenant.headers, json: #"{"locationId":"\#(other.location)"}"#)
            #expect(forbidden.status == .forbidden)
            let readOnly = try await store.makeToken(for: tenant.location, scopes: [.contactsReadonly])
            let scoped = try await client.send(
                .post, "/contacts/", headers: [.version: "v3", .authorization: "Bearer \(readOnly)"],
                json: #"{"locationId":"\#(tenant.location)"}"#)
            #expect(scoped.status == .unauthorized)
        }
    }
}

/// `PUT /contacts/{contactId}` (issue 17) over a real socket: the fields given replace the stored ones.
@Suite struct ContactUpdateTests {
    @Test(arguments: Backend.allCases)
    func anUpdateReplacesTheFieldsGivenAndKeepsContactsDistinct(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let ada = try await makeContact(store, tenant: tenant, name: "Ada Lovelace", email: "ada@example.com", phone: "+15550100")
            let grace = try await makeContact(store, tenant: tenant, name: "Grace Hopper", email: "grace@example.com")
            try await makeApplication(store: store, configure: { $0.now = { testEpoch } }).test(.live) { client in
                func put(_ id: ContactID, _ json: String, headers: HTTPFields = tenant.headers) async throws -> TestResponse {
                    try await client.send(.put, "/contacts/\(id)", headers: headers, json: json)
                }
                let updated = try await put(ada.id, #"{"firstName":"Augusta","companyName":"Analytical Engines","phone":"+15550199"}"#)
                #expect(updated.status == .ok)
                let body = try updated.json()
                #expect(body["succeded"] as? Bool == true)
                let contact = try #require(body["contact"] as? [String: Any])
                #expect(contact["id"] as? String == ada.id.rawValue)
                #expect(contact["firstName"] as? String == "Augusta")
                #expect(contact["companyName"] as? String == "Analytical Engines")
                #expect(contact["phone"] as? String == "+15550199")
                #expect(contact["email"] as? String == "ada@example.com")
                let stored = try #require(try await store.contact(ada.id, in: tenant.location, logger: .test))
                #expect(stored.firstName == "Augusta" && stored.phone == "+15550199" && stored.name == "Ada Lovelace")
                // Its own email again is fine; another contact's is not.
                #expect(try await put(ada.id, #"{"email":"ADA@example.com"}"#).status == .ok)
                let taken = try await put(ada.id, #"{"email":"grace@example.com"}"#)
                #expect(taken.status == .badRequest)
                #expect(try taken.errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "This location does not allow duplicated contacts."))
                #expect(try await store.contact(grace.id, in: tenant.location, logger: .test)?.email == "grace@example.com")

                let invalid = try await put(ada.id, #"{"email":"nope","phone":5}"#)
                #expect(try invalid.errorBody() == .validation("email must be an email", "phone must be a string"))
                let unknown = try await put(ContactID(rawValue: "NoSuchContact"), "{}")
                #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Contact with id NoSuchContact not found"))
                let other = try await store.makeTenant()
                let stranger = try await makeContact(store, tenant: other, email: "bob@example.com")
                let foreign = try await put(stranger.id, #"{"firstName":"Mallory"}"#)
                #expect(try foreign.errorBody() == HighLevelErrorBody(
                    statusCode: 403, message: "The token does not have access to this location."))
                #expect(try await store.contact(stranger.id, in: other.location, logger: .test)?.firstName == nil)
                let readOnly = try await store.makeToken(for: tenant.location, scopes: [.contactsReadonly])
                let scoped = try await put(
                    ada.id, "{}", headers: [.version: "2021-07-28", .authorization: "Bearer \(readOnly)"])
                #expect(try scoped.errorBody() == HighLevelErrorBody(
                    statusCode: 401, message: "The token is not authorized for this scope."))
            }
        }
    }
}

/// `DELETE /contacts/{contactId}` (issue 17) over a real socket: the contact goes with its conversations and all
/// that is theirs; nobody else's data moves.
@Suite struct ContactDeleteTests {
    @Test(arguments: Backend.allCases)
    func aContactGoesWithItsConversationsAndTheirMessages(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let ada = try await makeContact(store, tenant: tenant, email: "ada@example.com")
            let grace = try await makeContact(store, tenant: tenant, email: "grace@example.com")
            try await makeApplication(store: store).test(.live) { client in
                func send(_ contact: Contact) async throws -> [String: Any] {
                    try await client.send(
                        .post, "/conversations/messages", headers: tenant.headers,
                        json: #"{"type":"Email","contactId":"\#(contact.id)","html":"<p>Hi</p>"}"#
                    ).json()
                }
                let adas = try await send(ada)
                let graces = try await send(grace)
                let conversation = try #require(adas["conversationId"] as? String)
                let email = try #require(adas["emailMessageId"] as? String)
                let call = try await client.send(
                    .post, "/conversations/messages/outbound", headers: tenant.headers,
                    json: #"{"type":"Call","conversationId":"\#(conversation)","transcription":[]}"#)
                #expect(call.status == .created)
                let change = try await client.send(
                    .post, "/conversations/preferences/unsubscriptions/user-change", headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","contactId":"\#(ada.id)","email":"ada@example.com","subscription_action":{"type":"default","subtype_name":"One on One","subtype_status":"unsubscribed"}}"#)
                #expect(change.status == .created)

                let deleted = try await client.execute(uri: "/contacts/\(ada.id)", method: .delete, headers: tenant.headers)
                #expect(deleted.status == .ok)
                #expect(NSDictionary(dictionary: try deleted.json()) == ["succeded": true] as NSDictionary)
                let gone = try await client.get("/contacts/\(ada.id)", headers: tenant.headers)
                #expect(try gone.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Contact with id \(ada.id) not found"))
                let noConversation = try await client.get("/conversations/\(conversation)", headers: tenant.headers)
                #expect(noConversation.status == .badRequest)
                #expect(try await client.get("/conversations/messages/email/\(email)", headers: tenant.headers).status == .notFound)
                #expect(try await store.choices(of: ada.id, email: nil, in: tenant.location, logger: .test).isEmpty)
                #expect(try await store.locationOfEmail(email, logger: .test) == nil)
                // Grace and her conversation are untouched.
                let graceConversation = try #require(graces["conversationId"] as? String)
                let hers = try await client.get("/conversations/\(graceConversation)/messages", headers: tenant.headers)
                #expect(try hers.page().messages.messages.count == 1)

                let again = try await client.execute(uri: "/contacts/\(ada.id)", method: .delete, headers: tenant.headers)
                #expect(try again.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Contact with id \(ada.id) not found"))
                let other = try await store.makeTenant()
                let stranger = try await makeContact(store, tenant: other)
                let foreign = try await client.execute(uri: "/contacts/\(stranger.id)", method: .delete, headers: tenant.headers)
                #expect(try foreign.errorBody() == HighLevelErrorBody(
                    statusCode: 403, message: "The token does not have access to this location."))
                #expect(try await store.contact(stranger.id, in: other.location, logger: .test) != nil)
                let readOnly = try await store.makeToken(for: tenant.location, scopes: [.contactsReadonly])
                let scoped = try await client.execute(
                    uri: "/contacts/\(grace.id)", method: .delete,
                    headers: [.version: "2021-07-28", .authorization: "Bearer \(readOnly)"])
                #expect(try scoped.errorBody() == HighLevelErrorBody(
                    statusCode: 401, message: "The token is not authorized for this scope."))
            }
        }
    }
}

/// `GET /contacts/` (issue 17) over a real socket: the location's contacts oldest first, filtered and paged.
@Suite struct ContactListTests {
    @Test(arguments: Backend.allCases)
    func contactsAreListedOldestFirstFilteredAndPaged(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let people: [(String, String?)] = [
                ("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com"), ("Alan Turing", nil),
                ("Adele Goldberg", "ADELE@example.com"), ("Bob Kahn", "bob@example.com"),
            ]
            var ids: [String] = []
            for (index, person) in people.enumerated() {
                let contact = Contact(
                    id: .generate(), locationId: tenant.location, name: person.0, email: person.1,
                    dateAdded: Timestamp(rawValue: testEpoch.rawValue + Int64(index) * 1000))
                try await store.createContact(contact, logger: .test)
                ids.append(contact.id.rawValue)
            }
            let other = try await store.makeTenant()
            _ = try await makeContact(store, tenant: other, name: "Ada Elsewhere")
            let created = ids
            try await makeApplication(store: store).test(.live) { client in
                let ids = created
                func list(_ query: String) async throws -> TestResponse {
                    try await client.get("/contacts/?locationId=\(tenant.location)\(query)", headers: tenant.headers)
                }
                func page(_ query: String) async throws -> (ids: [String], count: Int?) {
                    let body = try await list(query).json()
                    let contacts = try #require(body["contacts"] as? [[String: Any]])
                    return (contacts.compactMap { $0["id"] as? String }, body["count"] as? Int)
                }
                let all = try await page("")
                #expect(all.ids == ids)
                #expect(all.count == 5)
                let first = try await list("&limit=2")
                #expect(first.status == .ok)
                #expect(try await page("&limit=2") == (Array(ids[0..<2]), 5))
                #expect(try await page("&limit=2&startAfterId=\(ids[1])") == (Array(ids[2..<4]), 5))
                #expect(try await page("&startAfterId=\(ids[3])&startAfter=\(testEpoch.rawValue + 3000)") == ([ids[4]], 5))
                #expect(try await page("&startAfter=\(testEpoch.rawValue + 1000)") == (Array(ids[2...]), 5))
                // Any part of a name or email, in any case; `+` is a space, as HighLevel's parser reads it.
                #expect(try await page("&query=AD") == ([ids[0], ids[3]], 2))
                #expect(try await page("&query=hopper") == ([ids[1]], 1))
                #expect(try await page("&query=Alan+Turing") == ([ids[2]], 1))
                #expect(try await page("&query=nobody") == ([], 0))

                let badCursor = try await list("&startAfterId=NoSuchContact")
                #expect(try badCursor.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Invalid startAfterId"))
                let badLimit = try await list("&limit=0")
                #expect(try badLimit.errorBody() == .validation("limit must not be less than 1"))
                let noLocation = try await client.get("/contacts/", headers: tenant.headers)
                #expect(try noLocation.errorBody() == .validation("locationId should not be empty"))
                let foreign = try await client.get("/contacts/?locationId=\(other.location)", headers: tenant.headers)
                #expect(try foreign.errorBody() == HighLevelErrorBody(
                    statusCode: 403, message: "The token does not have access to this location."))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func contactsAreSearchedByHighLevelsFiltersAndPaged(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let people: [(first: String?, last: String?, email: String?, phone: String?)] = [
                ("Ada", "Lovelace", "ada@example.com", "+15550100001"), ("Grace", "Hopper", "grace@navy.example", nil),
                ("ADA", "Byron", nil, "+15550100003"), ("Alan", "Turing", "alan@example.com", "+4420700000"),
                (nil, nil, "anon@example.com", nil),
            ]
            var ids: [String] = []
            for (index, person) in people.enumerated() {
                let contact = Contact(
                    id: .generate(), locationId: tenant.location, firstName: person.first, lastName: person.last,
                    email: person.email, phone: person.phone,
                    dateAdded: Timestamp(rawValue: testEpoch.rawValue + Int64(index) * 1000))
                try await store.createContact(contact, logger: .test)
                ids.append(contact.id.rawValue)
            }
            let other = try await store.makeTenant()
            _ = try await makeContact(store, tenant: other, name: "Ada Elsewhere")
            let created = ids
            try await makeApplication(store: store).test(.live) { client in
                let ids = created
                func search(_ fields: String) async throws -> TestResponse {
                    try await client.send(
                        .post, "/contacts/search", headers: tenant.headers,
                        json: #"{"locationId":"\#(tenant.location)"\#(fields)}"#)
                }
                func found(_ fields: String) async throws -> (ids: [String], total: Int?) {
                    let response = try await search(fields)
                    #expect(response.status == .ok, "\(response.text)")
                    let body = try response.json()
                    let contacts = try #require(body["contacts"] as? [[String: Any]])
                    return (contacts.compactMap { $0["id"] as? String }, body["total"] as? Int)
                }
                func filter(_ field: String, _ op: String, _ value: String? = nil) -> String {
                    #"{"field":"\#(field)","operator":"\#(op)"\#(value.map { #","value":"\#($0)""# } ?? "")}"#
                }
                #expect(try await found("") == (ids, 5))
                // eq and contains, any case; every filter must hold.
                #expect(try await found(#","filters":[\#(filter("firstNameLowerCase", "eq", "ada"))]"#) == ([ids[0], ids[2]], 2))
                #expect(try await found(#","filters":[\#(filter("firstName", "eq", "Ada")),\#(filter("lastName", "eq", "byron"))]"#)
                    == ([ids[2]], 1))
                #expect(try await found(#","filters":[\#(filter("email", "contains", "@EXAMPLE.com"))]"#)
                    == ([ids[0], ids[3], ids[4]], 3))
                #expect(try await found(#","filters":[\#(filter("phone", "contains", "+1555"))]"#) == ([ids[0], ids[2]], 2))
                #expect(try await found(#","filters":[\#(filter("lastNameLowerCase", "not_contains", "o"))]"#)
                    == ([ids[3], ids[4]], 2))
                #expect(try await found(#","filters":[\#(filter("firstName", "not_eq", "ada"))]"#) == ([ids[1], ids[3], ids[4]], 3))
                #expect(try await found(#","filters":[\#(filter("phone", "exists"))]"#) == ([ids[0], ids[2], ids[3]], 3))
                #expect(try await found(#","filters":[\#(filter("email", "not_exists"))]"#) == ([ids[2]], 1))
                #expect(try await found(#","filters":[\#(filter("name", "eq", "ada lovelace"))]"#) == ([ids[0]], 1))
                #expect(try await found(#","query":"HOPPER""#) == ([ids[1]], 1))
                // Pages of pageLimit from page 1; the total counts them all.
                #expect(try await found(#","pageLimit":2"#) == (Array(ids[0..<2]), 5))
                #expect(try await found(#","pageLimit":2,"page":3"#) == ([ids[4]], 5))
                #expect(try await found(#","pageLimit":2,"page":4"#) == ([], 5))

                let bad = try await search(
                    #","page":0,"pageLimit":501,"filters":[{"field":"city","operator":"eq","value":"x"},{"field":"email","operator":"like"},{"field":"email","operator":"eq"}]"#)
                #expect(try bad.errorBody() == .validation(
                    "page must not be less than 1", "pageLimit must not be greater than 500",
                    "filters.0.field must be one of the following values: firstNameLowerCase, lastNameLowerCase, "
                        + "firstName, lastName, name, email, phone, companyName, tags",
                    "filters.1.operator must be one of the following values: eq, not_eq, contains, not_contains, exists, "
                        + "not_exists",
                    "filters.2.value should not be empty"))
                let noLocation = try await client.send(.post, "/contacts/search", headers: tenant.headers, json: "{}")
                #expect(try noLocation.errorBody() == .validation("locationId should not be empty"))
                let foreign = try await client.send(
                    .post, "/contacts/search", headers: tenant.headers, json: #"{"locationId":"\#(other.location)"}"#)
                #expect(try foreign.errorBody() == HighLevelErrorBody(
                    statusCode: 403, message: "The token does not have access to this location."))
            }
        }
    }

    /// `tags` in the search's filters: `eq` (has the tag), `contains` (a tag contains the text), `exists` (has a tag)
    /// and their negations (no tag does), compared as tags are stored: trimmed, in lower case.
    @Test(arguments: Backend.allCases)
    func contactsAreSearchedByTag(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let other = try await store.makeTenant()
            try await makeApplication(store: store).test(.live) { client in
                func create(_ tenant: Tenant, _ name: String, _ tags: String) async throws -> String {
                    let created = try await client.send(
                        .post, "/contacts/", headers: tenant.headers,
                        json: #"{"locationId":"\#(tenant.location)","firstName":"\#(name)","tags":\#(tags)}"#)
                    #expect(created.status == .created, "\(created.text)")
                    return try #require((try created.json()["contact"] as? [String: Any])?["id"] as? String)
                }
                let vip = try await create(tenant, "Ada", #"["VIP","Lead"]"#)
                let lead = try await create(tenant, "Grace", #"["lead","Été"]"#)
                let untagged = try await create(tenant, "Alan", "[]")
                _ = try await create(other, "Elsewhere", #"["vip"]"#)
                // Sets: contacts made in the same millisecond have no order to check here.
                func found(_ op: String, _ value: String? = nil) async throws -> Set<String> {
                    let filter = #"{"field":"tags","operator":"\#(op)"\#(value.map { #","value":"\#($0)""# } ?? "")}"#
                    let response = try await client.send(
                        .post, "/contacts/search", headers: tenant.headers,
                        json: #"{"locationId":"\#(tenant.location)","filters":[\#(filter)]}"#)
                    #expect(response.status == .ok, "\(response.text)")
                    let body = try response.json()
                    let ids = try #require(body["contacts"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                    #expect(body["total"] as? Int == ids.count)
                    return Set(ids)
                }
                #expect(try await found("eq", " Vip ") == Set([vip]))
                #expect(try await found("eq", "lead") == Set([vip, lead]))
                #expect(try await found("eq", "le") == Set())
                #expect(try await found("eq", "ÉTÉ") == Set([lead]))
                #expect(try await found("not_eq", "vip") == Set([lead, untagged]))
                #expect(try await found("contains", "EA") == Set([vip, lead]))
                #expect(try await found("not_contains", "v") == Set([lead, untagged]))
                #expect(try await found("exists") == Set([vip, lead]))
                #expect(try await found("not_exists") == Set([untagged]))
                let valueless = try await client.send(
                    .post, "/contacts/search", headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","filters":[{"field":"tags","operator":"eq"}]}"#)
                #expect(valueless.status == .unprocessableContent)
                #expect(try valueless.errorBody() == .validation("filters.0.value should not be empty"))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func tagsAreAddedAndRemovedAndDoNotDisturbRefusesSends(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await makeApplication(store: store).test(.live) { client in
                let created = try await client.send(
                    .post, "/contacts/", headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","firstName":"Ada","email":"ada@example.com","phone":"+15550100","tags":[" VIP ","lead","vip"],"dndSettings":{"SMS":{"status":"active","message":"asked by text"},"Email":{"status":"inactive"}}}"#)
                #expect(created.status == .created, "\(created.text)")
                let contact = try #require(try created.json()["contact"] as? [String: Any])
                let id = try #require(contact["id"] as? String)
                #expect(contact["tags"] as? [String] == ["vip", "lead"])
                #expect(contact["dnd"] as? Bool == false)
                #expect(contact["dndSettings"] as? NSDictionary == [
                    "SMS": ["status": "active", "message": "asked by text"], "Email": ["status": "inactive"]])

                let added = try await client.send(
                    .post, "/contacts/\(id)/tags", headers: tenant.headers, json: #"{"tags":["Customer","lead"]}"#)
                #expect(added.status == .created)
                #expect(try added.json() as NSDictionary == ["tags": ["vip", "lead", "customer"]])
                let removed = try await client.send(
                    .delete, "/contacts/\(id)/tags", headers: tenant.headers, json: #"{"tags":["VIP","unknown"]}"#)
                #expect(removed.status == .ok)
                #expect(try removed.json() as NSDictionary == ["tags": ["lead", "customer"]])
                let read = try await client.get("/contacts/\(id)", headers: tenant.headers)
                #expect((try read.json()["contact"] as? [String: Any])?["tags"] as? [String] == ["lead", "customer"])
                let empty = try await client.send(.post, "/contacts/\(id)/tags", headers: tenant.headers, json: "{}")
                #expect(try empty.errorBody() == .validation("tags should not be empty"))
                let unknown = try await client.send(
                    .post, "/contacts/NoSuchContact0000000/tags", headers: tenant.headers, json: #"{"tags":["a"]}"#)
                #expect(try unknown.errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "Contact with id NoSuchContact0000000 not found"))
                let badSettings = try await client.send(
                    .put, "/contacts/\(id)", headers: tenant.headers, json: #"{"dndSettings":{"SMS":{"status":"sometimes"}}}"#)
                #expect(try badSettings.errorBody() == .validation(
                    "dndSettings.SMS.status must be one of the following values: active, inactive, permanent"))

                // SMS is refused while its setting is active; email, inactive, goes out.
                func send(_ type: String) async throws -> TestResponse {
                    try await client.send(
                        .post, "/conversations/messages", headers: tenant.headers,
                        json: #"{"type":"\#(type)","contactId":"\#(id)","message":"hi","html":"<p>hi</p>","subject":"Hi"}"#)
                }
                let sms = try await send("SMS")
                #expect(try sms.errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "Cannot send message as DND is active for SMS."))
                #expect(try await send("Email").status == .created)
                // `dnd` covers every channel; turned off, the per-channel settings decide again.
                _ = try await client.send(.put, "/contacts/\(id)", headers: tenant.headers, json: #"{"dnd":true}"#)
                #expect(try await send("Email").errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "Cannot send message as DND is active for Email."))
                _ = try await client.send(
                    .put, "/contacts/\(id)", headers: tenant.headers,
                    json: #"{"dnd":false,"dndSettings":{"SMS":{"status":"inactive"}}}"#)
                #expect(try await send("SMS").status == .created)
                // Refused sends stored nothing: the two that went out are the conversation's messages.
                let conversation = try #require(
                    try await store.conversation(forContact: ContactID(rawValue: id), in: tenant.location, logger: .test))
                let page = try await client.get("/conversations/\(conversation.id)/messages", headers: tenant.headers)
                #expect(try page.page().messages.messages.count == 2)

                let other = try await store.makeTenant()
                let foreign = try await client.send(
                    .post, "/contacts/\(id)/tags", headers: other.headers, json: #"{"tags":["x"]}"#)
                #expect(try foreign.errorBody() == HighLevelErrorBody(
                    statusCode: 403, message: "The token does not have access to this location."))
            }
        }
    }
}
