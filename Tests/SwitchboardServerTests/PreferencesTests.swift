import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Preference management (issue 17, CONTRACT.md §5.3) over a real socket on both backends: custom subtypes, a
/// contact's subscription choices, and sends refused by them.
@Suite struct PreferencesTests {
    /// `fixedClock`: every write at the test epoch (exact dates); otherwise a clock that ticks a millisecond per read,
    /// so what is made one after another is listed in that order.
    private func withPreferences(
        _ backend: Backend, fixedClock: Bool = true,
        _ body: @Sendable @escaping (any ConversationStore, Tenant, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await makeApplication(store: store, configure: { if fixedClock { $0.now = { testEpoch } } }).test(.live) { client in
                try await body(store, tenant, client)
            }
        }
    }

    private static let epochText = "2026-01-01T00:00:00.000Z"
    private static let forbidden = HighLevelErrorBody(
        statusCode: 403, message: "The token does not have access to this location.")

    @Test(arguments: Backend.allCases)
    func subtypesAreCreatedListedAndUpdated(_ backend: Backend) async throws {
        try await withPreferences(backend) { store, tenant, client in
            let path = "/conversations/preferences/custom-subtypes?locationId=\(tenant.location)"
            let created = try await client.send(
                .post, path, headers: tenant.headers,
                json: #"{"name":"Newsletter","description":"Weekly news","channel":"email","language":"en"}"#)
            #expect(created.status == .created)
            let subtype = try #require(try created.json()["customSubtype"] as? [String: Any])
            let id = try #require(subtype["id"] as? String)
            let expected: [String: Any] = [
                "id": id, "locationId": tenant.location.rawValue, "name": "Newsletter", "description": "Weekly news",
                "channel": "email", "language": "en", "archived": false, "dateAdded": Self.epochText,
                "dateUpdated": Self.epochText,
            ]
            #expect(NSDictionary(dictionary: subtype) == NSDictionary(dictionary: expected))
            let listed = try await client.get(path, headers: tenant.headers)
            #expect(listed.status == .ok)
            #expect(NSDictionary(dictionary: try listed.json()) == ["customSubtypes": [expected]] as NSDictionary)

            // Names are unique per channel, whatever their case; the same name may serve SMS.
            let twin = try await client.send(
                .post, path, headers: tenant.headers, json: #"{"name":"NEWSLETTER","channel":"email","language":"en"}"#)
            #expect(twin.status == .badRequest)
            #expect(try twin.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "A custom subtype named NEWSLETTER already exists for email"))
            let sms = try await client.send(
                .post, path, headers: tenant.headers, json: #"{"name":"Newsletter","channel":"sms","language":"en"}"#)
            #expect(sms.status == .created)

            let invalid = try await client.send(
                .post, path, headers: tenant.headers,
                json: #"{"name":"\#(String(repeating: "n", count: 101))","channel":"fax"}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(try invalid.errorBody() == .validation(
                "name must be shorter than or equal to 100 characters", "channel must be one of the following values: email, sms",
                "language should not be empty"))
            let noLocation = try await client.send(
                .post, "/conversations/preferences/custom-subtypes", headers: tenant.headers,
                json: #"{"name":"Offers","channel":"email","language":"en"}"#)
            #expect(try noLocation.errorBody() == .validation("locationId should not be empty"))

            // An update replaces the fields given; an archived subtype stays listed.
            let updated = try await client.send(
                .put, "/conversations/preferences/custom-subtypes/\(id)?locationId=\(tenant.location)",
                headers: tenant.headers, json: #"{"name":"Monthly news","archived":true,"resubscription_legal_form_id":"form_1"}"#)
            #expect(updated.status == .ok)
            var after = expected
            after["name"] = "Monthly news"
            after["archived"] = true
            after["resubscription_legal_form_id"] = "form_1"
            #expect(NSDictionary(dictionary: try updated.json()) == ["customSubtype": after] as NSDictionary)
            let unknown = try await client.send(
                .put, "/conversations/preferences/custom-subtypes/NoSuchSubtype?locationId=\(tenant.location)",
                headers: tenant.headers, json: #"{"archived":false}"#)
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorBody() == HighLevelErrorBody(statusCode: 404, message: "Custom subtype not found"))

            // Another location: its subtypes and its locationId are refused; scopes are checked first.
            let other = try await store.makeTenant()
            let theirs = try await client.send(
                .post, "/conversations/preferences/custom-subtypes?locationId=\(other.location)", headers: other.headers,
                json: #"{"name":"Theirs","channel":"email","language":"en"}"#)
            let theirId = try #require((try theirs.json()["customSubtype"] as? [String: Any])?["id"] as? String)
            let foreign = try await client.send(
                .put, "/conversations/preferences/custom-subtypes/\(theirId)?locationId=\(tenant.location)",
                headers: tenant.headers, json: #"{"archived":true}"#)
            #expect(foreign.status == .forbidden)
            #expect(try foreign.errorBody() == Self.forbidden)
            let otherList = try await client.get(
                "/conversations/preferences/custom-subtypes?locationId=\(other.location)", headers: tenant.headers)
            #expect(try otherList.errorBody() == Self.forbidden)
            let readOnly = try await store.makeToken(for: tenant.location, scopes: [.conversationsReadonly])
            let refused = try await client.send(
                .post, path, headers: [.authorization: "Bearer \(readOnly)", .version: "2021-04-15"],
                json: #"{"name":"Offers","channel":"email","language":"en"}"#)
            #expect(try refused.errorBody() == HighLevelErrorBody(
                statusCode: 401, message: "The token is not authorized for this scope."))
        }
    }

    @Test(arguments: Backend.allCases)
    func choicesShowInTheStatusAndSendsHonourThem(_ backend: Backend) async throws {
        try await withPreferences(backend, fixedClock: false) { store, tenant, client in
            let contact = try await makeContact(store, tenant: tenant, email: "Ada@Example.com", phone: "+15550100")
            let subtypes = "/conversations/preferences/custom-subtypes?locationId=\(tenant.location)"
            func create(_ json: String) async throws -> String {
                let answer = try await client.send(.post, subtypes, headers: tenant.headers, json: json)
                return try #require((try answer.json()["customSubtype"] as? [String: Any])?["id"] as? String)
            }
            let newsletter = try await create(#"{"name":"Newsletter","channel":"email","language":"en"}"#)
            let alerts = try await create(#"{"name":"Alerts","channel":"sms","language":"en"}"#)
            func change(_ action: String, reason: String? = nil, email: String = "ada@example.com") async throws -> TestResponse {
                let legal = reason.map { #","legal_reason":"\#($0)""# } ?? ""
                return try await client.send(
                    .post, "/conversations/preferences/unsubscriptions/user-change", headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","contactId":"\#(contact.id)","email":"\#(email)","subscription_action":\#(action)\#(legal)}"#)
            }
            func status(_ query: String = "") async throws -> [String: Any] {
                try await client.get(
                    "/conversations/preferences/unsubscriptions/status?locationId=\(tenant.location)&contactId=\(contact.id)\(query)",
                    headers: tenant.headers
                ).json()
            }
            func standing(oneOnOne: String, newsletter newsletterStatus: String, alerts alertsStatus: String) -> [String: Any] {
                [
                    "email": "ada@example.com",
                    "subtypes": [
                        ["type": "default", "name": "One on One", "channel": "email", "status": oneOnOne],
                        ["type": "custom", "id": newsletter, "name": "Newsletter", "channel": "email", "status": newsletterStatus],
                        ["type": "custom", "id": alerts, "name": "Alerts", "channel": "sms", "status": alertsStatus],
                    ],
                ]
            }
            func send(_ json: String) async throws -> TestResponse {
                try await client.send(.post, "/conversations/messages", headers: tenant.headers, json: json)
            }
            let email = #""type":"Email","contactId":"\#(contact.id)","html":"<p>Hi</p>""#
            let text = #""type":"SMS","contactId":"\#(contact.id)","message":"Hi""#

            // Everyone is subscribed to everything until they choose otherwise.
            #expect(NSDictionary(dictionary: try await status()) == [
                "contactId": contact.id.rawValue,
                "subscriptions": [standing(oneOnOne: "subscribed", newsletter: "subscribed", alerts: "subscribed")],
            ] as NSDictionary)

            let unsubscribed = try await change(#"{"type":"default","subtype_name":"One on One","subtype_status":"unsubscribed"}"#)
            #expect(unsubscribed.status == .created)
            #expect(NSDictionary(dictionary: try unsubscribed.json()) == [
                "success": true, "contactId": contact.id.rawValue,
                "subscriptions": [standing(oneOnOne: "unsubscribed", newsletter: "subscribed", alerts: "subscribed")],
            ] as NSDictionary)
            let refusedEmail = try await send("{\(email)}")
            #expect(refusedEmail.status == .badRequest)
            #expect(try refusedEmail.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Cannot send message as the contact has unsubscribed from One on One emails."))
            // Another address of the contact, an SMS, and the newsletter still go.
            #expect(try await send("{\(email),\"emailTo\":\"ada.work@example.com\"}").status == .created)
            #expect(try await send("{\(text)}").status == .created)
            #expect(try await send("{\(email),\"customSubtypeId\":\"\(newsletter)\"}").status == .created)

            _ = try await change(#"{"type":"custom","subtype_id":"\#(newsletter)","subtype_status":"unsubscribed"}"#)
            _ = try await change(#"{"type":"custom","subtype_id":"\#(alerts)","subtype_status":"unsubscribed"}"#)
            let refusedNewsletter = try await send("{\(email),\"customSubtypeId\":\"\(newsletter)\"}")
            #expect(try refusedNewsletter.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Cannot send message as the contact has unsubscribed from Newsletter."))
            let refusedAlert = try await send("{\(text),\"customSubtypeId\":\"\(alerts)\"}")
            #expect(try refusedAlert.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Cannot send message as the contact has unsubscribed from Alerts."))
            let wrongChannel = try await send("{\(text),\"customSubtypeId\":\"\(newsletter)\"}")
            #expect(try wrongChannel.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Custom subtype Newsletter is for email messages"))
            let unknownSubtype = try await send("{\(email),\"customSubtypeId\":\"NoSuchSubtype\"}")
            #expect(try unknownSubtype.errorBody() == HighLevelErrorBody(
                statusCode: 400, message: "Custom subtype with id NoSuchSubtype not found"))

            // Subscribing again takes a legal reason; resub_all subscribes the address to everything.
            let noReason = try await change(#"{"type":"resub_all","subtype_status":"subscribed"}"#)
            #expect(try noReason.errorBody() == .validation("legal_reason should not be empty"))
            let badAction = try await change(#"{"type":"resub_all","subtype_status":"unsubscribed"}"#)
            #expect(try badAction.errorBody() == .validation("subscription_action.subtype_status must be subscribed for resub_all"))
            let missing = try await change(#"{"type":"custom","subtype_status":"subscribed"}"#, reason: "asked")
            #expect(try missing.errorBody() == .validation("subscription_action.subtype_id should not be empty"))
            let resubscribed = try await change(#"{"type":"resub_all","subtype_status":"subscribed"}"#, reason: "Called support")
            #expect(resubscribed.status == .created)
            #expect(NSDictionary(dictionary: try await status("&email=ADA@example.com")) == [
                "contactId": contact.id.rawValue,
                "subscriptions": [standing(oneOnOne: "subscribed", newsletter: "subscribed", alerts: "subscribed")],
            ] as NSDictionary)
            #expect(try await send("{\(email)}").status == .created)
            #expect(try await send("{\(text),\"customSubtypeId\":\"\(alerts)\"}").status == .created)
            let stored = try await store.choices(of: contact.id, email: nil, in: tenant.location, logger: .test)
            #expect(stored.count == 3)
            #expect(stored.allSatisfy { $0.subscribed && $0.legalReason == "Called support" })

            // An archived subtype takes no new sends.
            _ = try await client.send(
                .put, "/conversations/preferences/custom-subtypes/\(newsletter)?locationId=\(tenant.location)",
                headers: tenant.headers, json: #"{"archived":true}"#)
            let archived = try await send("{\(email),\"customSubtypeId\":\"\(newsletter)\"}")
            #expect(try archived.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Custom subtype Newsletter is archived"))

            // Another location's contact is a 403; an unknown one a 400.
            let other = try await store.makeTenant()
            let stranger = try await makeContact(store, tenant: other, email: "bob@example.com")
            let foreign = try await client.get(
                "/conversations/preferences/unsubscriptions/status?locationId=\(tenant.location)&contactId=\(stranger.id)",
                headers: tenant.headers)
            #expect(try foreign.errorBody() == Self.forbidden)
            let nobody = try await client.get(
                "/conversations/preferences/unsubscriptions/status?locationId=\(tenant.location)&contactId=NoSuchContact",
                headers: tenant.headers)
            #expect(try nobody.errorBody() == HighLevelErrorBody(statusCode: 400, message: "Contact with id NoSuchContact not found"))
            let noContact = try await client.get(
                "/conversations/preferences/unsubscriptions/status?locationId=\(tenant.location)", headers: tenant.headers)
            #expect(try noContact.errorBody() == .validation("contactId should not be empty"))
        }
    }
}
