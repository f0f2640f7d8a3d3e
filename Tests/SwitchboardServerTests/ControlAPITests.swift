import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// The control API (`/_switchboard/…`, issue 18), over real sockets: who may call it, reset, tenants, run-time faults
/// and the request journal. The test clock has a suite of its own (`TestClockTests`).
@Suite struct ControlAPITests {
    static let adminToken = "admin-token-for-control-tests"
    static var admin: HTTPFields { [.authorization: "Bearer \(adminToken)"] }

    /// The application with the control API on (and, when given, a test clock).
    static func application(
        _ store: some ConversationStore, clock: TestClock? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        makeApplication(store: store) { configuration in
            configuration.control = ControlConfiguration(adminToken: adminToken, testClock: clock)
            configure(&configuration)
        }
    }

    static let unauthorized = HighLevelErrorBody(
        statusCode: 401, message: "The control API takes the admin token `serve` printed, not a location's token.",
        error: "Unauthorized")

    @Test func theControlAPIIsOffUnlessAskedFor() async throws {
        try await withStore(.sqlite) { store in
            try await makeApplication(store: store).test(.live) { client in
                let response = try await client.execute(uri: "/_switchboard/reset", method: .post, headers: Self.admin)
                #expect(response.status == .notFound)
                #expect(try response.errorBody() == HighLevelErrorBody(
                    statusCode: 404,
                    message: "Cannot POST /_switchboard/reset: the control API is off; start the server with --control (or --test-clock, --demo)",
                    error: "Not Found"))
                let clock = try await client.get("/_switchboard/clock", headers: Self.admin)
                #expect(clock.status == .notFound)
                #expect(try clock.errorBody() == HighLevelErrorBody(
                    statusCode: 404,
                    message: "Cannot GET /_switchboard/clock: the control API is off; start the server with --control (or --test-clock, --demo)",
                    error: "Not Found"))
            }
        }
    }

    @Test func onlyTheAdminTokenOpensIt() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 3)
            try await Self.application(store).test(.live) { client in
                let refused: [HTTPFields] = [
                    [:], tenant.headers, [.authorization: "Bearer \(Self.adminToken)x"],
                    [.authorization: "Bearer admin-token-for-control-test"], [.authorization: Self.adminToken],
                ]
                for headers in refused {
                    for (method, path) in [(HTTPRequest.Method.post, "/_switchboard/reset"), (.get, "/_switchboard/clock"),
                                           (.get, "/_switchboard/requests"), (.delete, "/_switchboard/faults")] {
                        let response = try await client.execute(uri: path, method: method, headers: headers)
                        #expect(response.status == .unauthorized, "\(method) \(path)")
                        #expect(try response.errorBody() == Self.unauthorized)
                    }
                }
                // Nothing was reset by the refused calls; the admin token opens no API route.
                let page = try await client.get("/conversations/\(conversation)/messages", headers: tenant.headers)
                #expect(try page.page().messages.messages.count == 3)
                var adminOnAPI = Self.admin
                adminOnAPI[.version] = "2021-04-15"
                let api = try await client.get("/conversations/\(conversation)/messages", headers: adminOnAPI)
                #expect(api.status == .unauthorized)
                #expect(try api.errorBody() == HighLevelErrorBody(statusCode: 401, message: "Invalid JWT"))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func resetEmptiesEveryLocationAndKeepsTheTokens(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let other = try await store.makeTenant(name: "Other")
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 20)
            try await seedConversation(store, tenant: other, count: 5)
            try await store.subscribe(tenant, id: "sub_kept", url: "http://127.0.0.1:9/hooks")
            try await Self.application(store).test(.live) { client in
                let path = "/conversations/\(conversation)/messages"
                #expect(try await client.get(path, headers: tenant.headers).page().messages.messages.count == 20)
                let reset = try await client.execute(uri: "/_switchboard/reset", method: .post, headers: Self.admin)
                #expect(reset.status == .ok)
                #expect(try reset.json() as NSDictionary == ["reset": "data", "seeded": false])
                // The cached page went with the data; the token still opens the location, which is now empty.
                let gone = try await client.get(path, headers: tenant.headers)
                #expect(gone.status == .badRequest)
                #expect(try gone.errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "Conversation with id \(conversation) not found"))
                for location in [tenant, other] {
                    let search = try await client.get(
                        "/conversations/search?locationId=\(location.location)", headers: location.headers)
                    #expect(search.status == .ok)
                    #expect(try search.json()["total"] as? Int == 0)
                }
                #expect(try await store.subscriptions(in: nil, logger: .test).map(\.id) == ["sub_kept"])
                #expect(try await store.latestMessageTime(logger: .test) == nil)
                // A write after the reset works as on a new store.
                let contact = try await client.send(
                    .post, "/contacts/", headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","phone":"+15550001111"}"#)
                #expect(contact.status == .created)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func resetAllRemovesTenantsAndANewOneCanBeMade(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await seedConversation(store, tenant: tenant, count: 2)
            try await Self.application(store).test(.live) { client in
                let search = "/conversations/search?locationId=\(tenant.location)"
                #expect(try await client.get(search, headers: tenant.headers).status == .ok)
                let reset = try await client.execute(uri: "/_switchboard/reset?all=true", method: .post, headers: Self.admin)
                #expect(try reset.json() as NSDictionary == ["reset": "everything", "seeded": false])
                // The token remembered a moment ago is gone at once.
                let refused = try await client.get(search, headers: tenant.headers)
                #expect(refused.status == .unauthorized)
                #expect(try refused.errorBody() == HighLevelErrorBody(
                    statusCode: 401, message: "Invalid Private Integration token"))
                #expect(try await store.locations(logger: .test).isEmpty)

                let created = try await client.send(
                    .post, "/_switchboard/locations", headers: Self.admin, json: #"{"name":"Per test","locationId":"loc-test_1"}"#)
                #expect(created.status == .created)
                let body = try created.json()
                #expect(body["locationId"] as? String == "loc-test_1")
                #expect(body["name"] as? String == "Per test")
                let token = try #require(body["token"] as? String)
                #expect(token.hasPrefix("pit-"))
                let headers: HTTPFields = [.authorization: "Bearer \(token)", .version: "2021-04-15"]
                let empty = try await client.get("/conversations/search?locationId=loc-test_1", headers: headers)
                #expect(empty.status == .ok)
                #expect(try empty.json()["total"] as? Int == 0)
                let stored = try #require(try await store.tokens(in: LocationID(rawValue: "loc-test_1"), logger: .test).first)
                #expect(stored.scopes == Set(Scope.allCases))
            }
        }
    }

    @Test func locationsAreMadeWithNewIdsAndRefusedTwice() async throws {
        try await withStore(.sqlite) { store in
            try await Self.application(store).test(.live) { client in
                let made = try await client.execute(uri: "/_switchboard/locations", method: .post, headers: Self.admin)
                #expect(made.status == .created)
                let body = try made.json()
                #expect((body["locationId"] as? String)?.count == 20)
                #expect(body["name"] as? String == "Test location")

                let first = try await client.send(
                    .post, "/_switchboard/locations", headers: Self.admin, json: #"{"locationId":"same"}"#)
                #expect(first.status == .created)
                let again = try await client.send(
                    .post, "/_switchboard/locations", headers: Self.admin, json: #"{"locationId":"same"}"#)
                #expect(again.status == .conflict)
                #expect(try again.errorBody() == HighLevelErrorBody(statusCode: 409, message: "Location same exists", error: "Conflict"))

                let bad = try await client.send(
                    .post, "/_switchboard/locations", headers: Self.admin, json: #"{"locationId":"no/slashes","name":7}"#)
                #expect(bad.status == .unprocessableContent)
                #expect(try bad.errorBody() == .validation(
                    "name must be a string", "locationId must contain only letters, digits, '_' and '-'"))
                let malformed = try await client.send(.post, "/_switchboard/locations", headers: Self.admin, json: "{")
                #expect(malformed.status == .badRequest)
                #expect(try malformed.errorBody() == HighLevelErrorBody(
                    statusCode: 400, message: "Unexpected token in JSON: the request body is not valid JSON"))
                let query = try await client.execute(uri: "/_switchboard/reset?all=yes", method: .post, headers: Self.admin)
                #expect(query.status == .unprocessableContent)
                #expect(try query.errorBody() == .validation("all must be a boolean value"))
                #expect(try await store.locations(logger: .test).count == 2)
            }
        }
    }

    /// Tests call reset between every test: 200 of them, each after a test's worth of writes, on a store of 10,000
    /// messages to begin with.
    @Test(arguments: Backend.allCases)
    func resetIsFastEnoughToRunBetweenEveryTest(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            for _ in 0..<20 { try await seedConversation(store, tenant: tenant, count: 500) }
            try await Self.application(store).test(.live) { client in
                var durations: [Duration] = []
                for round in 0..<200 {
                    if round > 0 {
                        let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 5)
                        let page = try await client.get("/conversations/\(conversation)/messages", headers: tenant.headers)
                        #expect(page.status == .ok)
                    }
                    let start = ContinuousClock.now
                    let reset = try await client.execute(uri: "/_switchboard/reset", method: .post, headers: Self.admin)
                    durations.append(ContinuousClock.now - start)
                    #expect(reset.status == .ok)
                }
                #expect(try await store.latestMessageTime(logger: .test) == nil)
                let firstReset = durations[0]
                durations.sort()
                let median = durations[durations.count / 2]
                let slowest = durations[durations.count - 1]
                // Run alone by scripts/test.sh (a timed test): the median under 25 ms, and room for the odd stall of a
                // two-core machine in the slowest (the first, of 10,000 messages, included).
                print("reset on \(backend): median \(median), slowest \(slowest), first \(firstReset)")
                // Measured alone: the first 14-39 ms, the median 3-4 ms (SQLite) and 5-6 ms (PostgreSQL, which deletes
                // a test's few rows; its TRUNCATE of every table took 13-17 ms on a new cluster, 29-47 ms on the
                // suite's, and once crossed the bound of 50 ms that this test had then).
                #expect(median < .milliseconds(25), "median \(median), slowest \(slowest)")
                #expect(firstReset < .milliseconds(100), "10,000 messages: \(firstReset)")
                #expect(slowest < .milliseconds(500), "slowest \(slowest)")
            }
        }
    }

    @Test func faultsSetAtRunTimeFailTheNextCallsOfTheirRouteAndLocation() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let other = try await store.makeTenant(name: "Other")
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 3)
            let (otherConversation, _) = try await seedConversation(store, tenant: other, count: 1)
            try await Self.application(store) { $0.rateLimit = .highLevel }.test(.live) { client in
                let path = "/conversations/\(conversation)/messages"
                // Cached, so the hot path would answer the next one: it must stand aside while faults are set.
                for _ in 0..<2 { #expect(try await client.get(path, headers: tenant.headers).status == .ok) }
                let added = try await client.send(
                    .post, "/_switchboard/faults", headers: Self.admin,
                    json: #"{"route":"GET /conversations/{conversationId}/messages","locationId":"\#(tenant.location)","status":429,"count":3}"#)
                #expect(added.status == .created)
                let fault = try #require(try added.json()["fault"] as? NSDictionary)
                #expect(fault == [
                    "id": "fault_1", "route": "GET /conversations/{conversationId}/messages",
                    "locationId": tenant.location.rawValue, "status": 429, "rate": 1, "remaining": 3,
                ])
                // Another location and another route are not touched.
                let elsewhere = try await client.get("/conversations/\(otherConversation)/messages", headers: other.headers)
                #expect(elsewhere.status == .ok)
                #expect(try await client.get("/conversations/\(conversation)", headers: tenant.headers).status == .ok)
                for remaining in [2, 1, 0] {
                    let failed = try await client.get(path, headers: tenant.headers)
                    #expect(failed.status == .tooManyRequests)
                    #expect(try failed.errorBody() == HighLevelErrorBody(statusCode: 429, message: "Too Many Requests"))
                    #expect(failed.headers[HTTPField.Name("Retry-After")!] == "1")
                    #expect(failed.headers[HTTPField.Name("X-RateLimit-Max")!] == "100")
                    let listed = try await client.get("/_switchboard/faults", headers: Self.admin)
                    let rules = try #require(try listed.json()["faults"] as? [NSDictionary])
                    #expect(rules.map { $0["remaining"] as? Int } == (remaining > 0 ? [remaining] : []))
                }
                #expect(try await client.get(path, headers: tenant.headers).status == .ok)

                // Every route, every location, until removed; 503 in HighLevel's shape.
                let outage = try await client.send(.post, "/_switchboard/faults", headers: Self.admin, json: #"{"status":503}"#)
                #expect(try outage.json()["fault"] as? NSDictionary == ["id": "fault_2", "status": 503, "rate": 1])
                for _ in 0..<3 {
                    let failed = try await client.get(path, headers: tenant.headers)
                    #expect(failed.status == .serviceUnavailable)
                    #expect(try failed.errorBody() == HighLevelErrorBody(
                        statusCode: 503, message: "Service Unavailable", error: "Service Unavailable"))
                }
                let removed = try await client.execute(uri: "/_switchboard/faults", method: .delete, headers: Self.admin)
                #expect(try removed.json() as NSDictionary == ["removed": 1])
                #expect(try await client.get(path, headers: tenant.headers).status == .ok)
                // A rate of 0 never fires.
                _ = try await client.send(.post, "/_switchboard/faults", headers: Self.admin, json: #"{"status":503,"rate":0}"#)
                #expect(try await client.get(path, headers: tenant.headers).status == .ok)
            }
        }
    }

    @Test func faultRulesThatNameNoRouteOrStatusAreRefused() async throws {
        try await withStore(.sqlite) { store in
            try await Self.application(store).test(.live) { client in
                let unknown = try await client.send(
                    .post, "/_switchboard/faults", headers: Self.admin,
                    json: #"{"route":"GET /conversations/{id}/mesages","status":500,"rate":2,"count":0}"#)
                #expect(unknown.status == .unprocessableContent)
                let messages = try #require(try unknown.errorBody().message.list)
                #expect(messages.count == 4)
                #expect(messages[0] == "rate must be a number from 0 to 1")
                #expect(messages[1] == "count must not be less than 1")
                #expect(messages[2].hasPrefix("route 'GET /conversations/{id}/mesages' is not an API route: use one of "))
                #expect(messages[2].contains("GET /conversations/{conversationId}/messages"))
                #expect(!messages[2].contains("/healthz") && !messages[2].contains("/_switchboard"))
                #expect(messages[3] == "status must be one of the following values: 429, 503")
                let missing = try await client.send(.post, "/_switchboard/faults", headers: Self.admin, json: "{}")
                #expect(try missing.errorBody() == .validation("status should not be empty"))
                let listed = try await client.get("/_switchboard/faults", headers: Self.admin)
                #expect((try listed.json()["faults"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func theJournalListsWhatWasCalledFromBothDoors() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 2)
            try await Self.application(store).test(.live) { client in
                let path = "/conversations/\(conversation)/messages?limit=1"
                for _ in 0..<3 { _ = try await client.get(path, headers: tenant.headers) }  // the last ones hot
                _ = try await client.get("/conversations/\(conversation)", headers: [.version: "2021-04-15"])
                _ = try await client.get("/healthz", headers: [:])
                _ = try await client.get("/_switchboard/clock", headers: Self.admin)  // not recorded
                let journal = try await client.get("/_switchboard/requests", headers: Self.admin)
                #expect(journal.status == .ok)
                let entries = try #require(try journal.json()["requests"] as? [[String: Any]])
                let summary = entries.map { entry in
                    let (method, path) = (entry["method"] as? String ?? "", entry["path"] as? String ?? "")
                    let (status, location) = (entry["status"] as? Int ?? 0, entry["locationId"] as? String ?? "-")
                    return "\(method) \(path) \(status) \(location)"
                }
                let location = tenant.location.rawValue
                #expect(summary == [
                    "GET \(path) 200 \(location)", "GET \(path) 200 \(location)", "GET \(path) 200 \(location)",
                    "GET /conversations/\(conversation) 401 -", "GET /healthz 200 -",
                ])
                let times = entries.compactMap { ($0["time"] as? String).flatMap(Timestamp.init(iso8601:)) }
                #expect(times.count == 5 && times == times.sorted())

                let later = try await client.get(
                    "/_switchboard/requests?since=\(times[4].iso8601)", headers: Self.admin)
                let recent = try #require(try later.json()["requests"] as? [[String: Any]])
                #expect(recent.map { $0["path"] as? String } == ["/healthz"])
                let bad = try await client.get("/_switchboard/requests?since=yesterday", headers: Self.admin)
                #expect(bad.status == .unprocessableContent)
                #expect(try bad.errorBody() == .validation("since must be a valid ISO 8601 date string"))

                _ = try await client.execute(uri: "/_switchboard/reset", method: .post, headers: Self.admin)
                let emptied = try await client.get("/_switchboard/requests", headers: Self.admin)
                #expect((try emptied.json()["requests"] as? [Any])?.isEmpty == true)
            }
        }
    }

    /// Subscriptions and custom providers made through the control API (a test's in-memory server has no CLI): the
    /// answers, exactly, and every refusal.
    @Test(arguments: Backend.allCases)
    func webhooksAndProvidersAreAddedThroughTheControlAPI(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            try await Self.application(store).test(.live) { client in
                let subscribed = try await client.send(
                    .post, "/_switchboard/webhooks", headers: Self.admin,
                    json: #"{"locationId":"\#(tenant.location)","url":"http://127.0.0.1:9/hook","events":["InboundMessage"]}"#)
                #expect(subscribed.status == .created)
                let subscription = try subscribed.json()
                let id = try #require(subscription["id"] as? String)
                #expect(id.hasPrefix("sub_"))
                #expect(subscription["locationId"] as? String == tenant.location.rawValue)
                #expect(subscription["url"] as? String == "http://127.0.0.1:9/hook")
                #expect(subscription["events"] as? [String] == ["InboundMessage"])
                #expect(Set(subscription.keys) == ["id", "locationId", "url", "events"])
                #expect(try await store.subscriptions(in: tenant.location, logger: .test).map(\.id) == [id])

                let added = try await client.send(
                    .post, "/_switchboard/providers", headers: Self.admin,
                    json: #"{"locationId":"\#(tenant.location)","name":"Acme","type":"SMS","deliveryUrl":"https://acme.example/out","default":true}"#)
                #expect(added.status == .created)
                let provider = try added.json()
                let providerId = try #require(provider["conversationProviderId"] as? String)
                #expect(provider["locationId"] as? String == tenant.location.rawValue)
                #expect(provider["name"] as? String == "Acme")
                #expect(provider["type"] as? String == "SMS")
                #expect(provider["deliveryUrl"] as? String == "https://acme.example/out")
                #expect(provider["default"] as? Bool == true)
                #expect(try await store.providers(in: tenant.location, logger: .test).map(\.id) == [providerId])

                let refusals: [(String, String, HighLevelErrorBody)] = [
                    ("/_switchboard/webhooks", #"{"locationId":"\#(tenant.location)","url":"ftp://example.com/x"}"#,
                     .validation("url must be an http:// or https:// URL with a host")),
                    ("/_switchboard/webhooks", #"{"locationId":"\#(tenant.location)","url":"http://a/b","events":["Nope"]}"#,
                     .validation("each value in events must be one of the following values: InboundMessage, OutboundMessage, ConversationUnreadUpdate, LiveChatTyping")),
                    ("/_switchboard/webhooks", #"{"url":"http://a/b"}"#, .validation("locationId should not be empty")),
                    ("/_switchboard/webhooks", #"{"locationId":"nowhere","url":"http://a/b"}"#,
                     .validation("locationId nowhere is not a location of this server")),
                    ("/_switchboard/providers", #"{"locationId":"\#(tenant.location)","name":"X","type":"WhatsApp","deliveryUrl":"http://a/b"}"#,
                     .validation("type must be one of the following values: SMS, Email")),
                    ("/_switchboard/providers", #"{"locationId":"\#(tenant.location)","name":"","type":"SMS","deliveryUrl":"mailto:x@y"}"#,
                     .validation("name should not be empty", "deliveryUrl must be an http:// or https:// URL with a host")),
                    ("/_switchboard/providers", #"{"locationId":"\#(tenant.location)","name":"   ","type":"SMS","deliveryUrl":"http://a/b"}"#,
                     .validation("name should not be empty")),
                    ("/_switchboard/providers", #"{"locationId":"nowhere","name":"X","type":"Email","deliveryUrl":"http://a/b"}"#,
                     .validation("locationId nowhere is not a location of this server")),
                ]
                for (path, json, expected) in refusals {
                    let refused = try await client.send(.post, path, headers: Self.admin, json: json)
                    #expect(refused.status.code == 422, "\(json)")
                    #expect(try refused.errorBody() == expected, "\(json)")
                }
                let withLocationToken = try await client.send(
                    .post, "/_switchboard/providers", headers: tenant.headers,
                    json: #"{"locationId":"\#(tenant.location)","name":"X","type":"SMS","deliveryUrl":"http://a/b"}"#)
                #expect(withLocationToken.status == .unauthorized)
                #expect(try withLocationToken.errorBody() == Self.unauthorized)
                #expect(try await store.subscriptions(in: nil, logger: .test).count == 1)
                #expect(try await store.providers(in: nil, logger: .test).count == 1)
            }
        }
    }
}

extension HighLevelErrorBody.Message {
    var list: [String]? {
        if case .list(let messages) = self { return messages }
        return nil
    }
}
