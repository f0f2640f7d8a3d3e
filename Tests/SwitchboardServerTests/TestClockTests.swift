import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// The test clock (`serve --test-clock`, issue 18), moved through `POST /_switchboard/clock` over real sockets:
/// message dates, access tokens, grants, rate-limit windows and webhook retries all follow it.
@Suite struct TestClockTests {
    static let admin = ControlAPITests.admin

    /// A test clock whose wall clock stands still at `testEpoch`, so every time it answers is exact.
    static func frozenClock() -> TestClock { TestClock(wall: { testEpoch }) }

    static let badAdvance = "advance must be a whole number of at most nine digits and a unit (ms, s, m, h or d), e.g. 25h"

    static func move(_ client: some TestClientProtocol, _ json: String) async throws -> TestResponse {
        try await client.send(.post, "/_switchboard/clock", headers: admin, json: json)
    }

    @Test(arguments: Backend.allCases)
    func writesAreDatedByTheClockAndItNeverMovesBeforeThem(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, contact) = try await store.makeConversation(tenant)
            try await ControlAPITests.application(store, clock: Self.frozenClock()).test(.live) { client in
                let start = try await client.get("/_switchboard/clock", headers: Self.admin)
                #expect(try start.json() as NSDictionary == ["now": "2026-01-01T00:00:00.000Z", "testClock": true])
                let advanced = try await Self.move(client, #"{"advance":"25h"}"#)
                #expect(advanced.status == .ok)
                #expect(try advanced.json() as NSDictionary == ["now": "2026-01-02T01:00:00.000Z", "testClock": true])

                let sent = try await client.send(
                    .post, "/conversations/messages/inbound", headers: tenant.headers,
                    json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"later"}"#)
                let messageId = try #require(try sent.json()["messageId"] as? String)
                let message = try await client.get("/conversations/messages/\(messageId)", headers: tenant.headers)
                let stored = try #require(try message.json()["message"] as? [String: Any])
                #expect(stored["dateAdded"] as? String == "2026-01-02T01:00:00.000Z")

                let before = try await Self.move(client, #"{"set":"2026-01-01T12:00:00Z"}"#)
                #expect(before.status == .unprocessableContent)
                #expect(try before.errorBody() == .validation(
                    "set must not be before 2026-01-02T01:00:00.000Z, the date of the newest stored message"))
                for (body, message) in [
                    (#"{"advance":"-1h"}"#, Self.badAdvance), (#"{"advance":"1w"}"#, Self.badAdvance),
                    (#"{"advance":"1234567890s"}"#, Self.badAdvance), (#"{"advance":"12 h"}"#, Self.badAdvance),
                    ("{}", "exactly one of advance and set must be given"),
                    (#"{"advance":"1h","set":"2026-05-01T00:00:00Z"}"#, "exactly one of advance and set must be given"),
                    (#"{"set":"tomorrow"}"#, "set must be a valid ISO 8601 date string"),
                ] {
                    let refused = try await Self.move(client, body)
                    #expect(refused.status == .unprocessableContent, "\(body)")
                    #expect(try refused.errorBody() == .validation(message), "\(body)")
                }
                let set = try await Self.move(client, #"{"set":"2026-03-01T08:30:00+02:00"}"#)
                #expect(try set.json()["now"] as? String == "2026-03-01T06:30:00.000Z")
                for (body, now) in [(#"{"advance":"1500ms"}"#, "2026-03-01T06:30:01.500Z"), (#"{"advance":"2m"}"#, "2026-03-01T06:32:01.500Z"),
                                    (#"{"advance":"1d"}"#, "2026-03-02T06:32:01.500Z"), (#"{"advance":"30s"}"#, "2026-03-02T06:32:31.500Z")] {
                    #expect(try await Self.move(client, body).json()["now"] as? String == now)
                }
                #expect(try await Self.move(client, #"{"set":"9999-12-30T00:00:00Z"}"#).status == .ok)
                let past = try await Self.move(client, #"{"advance":"2d"}"#)
                #expect(try past.errorBody() == .validation("advance must not move the clock past 9999-12-31T23:59:59.999Z"))
                // A reset empties the store and gives the wall clock back.
                _ = try await client.execute(uri: "/_switchboard/reset", method: .post, headers: Self.admin)
                let after = try await client.get("/_switchboard/clock", headers: Self.admin)
                #expect(try after.json()["now"] as? String == "2026-01-01T00:00:00.000Z")
                #expect(try await Self.move(client, #"{"set":"2025-06-01T00:00:00Z"}"#).status == .ok)
            }
        }
    }

    /// A send with `scheduledTimestamp` waits with status `scheduled` and no event; once the clock passes its time
    /// (the move's answer comes after) it is `delivered`, dated its scheduled time, with its OutboundMessage. A
    /// cancelled one is never sent; one scheduled in the past is sent at once.
    @Test(arguments: Backend.allCases)
    func aScheduledSendIsSentWhenTheClockPassesItsTime(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let contact = ContactID.generate()
            try await store.createContact(
                Contact(id: contact, locationId: tenant.location, phone: "+15550100", dateAdded: testEpoch), logger: .test)
            try await store.createSubscription(
                WebhookSubscription(
                    id: "sub_1", locationId: tenant.location, url: "http://127.0.0.1:9/hooks", events: [],
                    createdAt: testEpoch),
                logger: .test)
            /// The events written since the last look, in order, each with the time it was made: claimed and
            /// marked delivered one conversation head at a time, as the dispatcher would.
            @Sendable func outbox() async throws -> [[String: Any]] {
                var events: [[String: Any]] = []
                while true {
                    let claimed = try await store.claimDueDeliveries(
                        now: .latest, leaseUntil: .latest, limit: 100, logger: .test)
                    if claimed.isEmpty { return events }
                    for delivery in claimed {
                        var event = try #require(try JSONSerialization.jsonObject(with: Data(delivery.payload)) as? [String: Any])
                        event["createdAt"] = delivery.createdAt.iso8601
                        events.append(event)
                    }
                    try await store.recordAttempts(
                        claimed.map {
                            WebhookAttempt(
                                webhookId: $0.webhookId, leaseToken: $0.leaseToken, outcome: .delivered, at: testEpoch,
                                statusCode: 200, error: nil, latencyMilliseconds: 1)
                        }, logger: .test)
                }
            }
            try await ControlAPITests.application(store, clock: Self.frozenClock()).test(.live) { client in
                func send(_ text: String, at seconds: Int64) async throws -> String {
                    let sent = try await client.send(
                        .post, "/conversations/messages", headers: tenant.headers,
                        json: #"{"type":"SMS","contactId":"\#(contact)","message":"\#(text)","scheduledTimestamp":\#(seconds)}"#)
                    #expect(sent.status == .created)
                    return try #require(try sent.json()["messageId"] as? String)
                }
                func status(_ id: String) async throws -> (String?, String?) {
                    let message = try #require(
                        try await client.get("/conversations/messages/\(id)", headers: tenant.headers).json()["message"]
                            as? [String: Any])
                    return (message["status"] as? String, message["dateUpdated"] as? String)
                }
                let epoch = testEpoch.rawValue / 1000
                let tomorrow = try await send("tomorrow", at: epoch + 86_400)
                let cancelled = try await send("never", at: epoch + 3_600)
                #expect(try await status(tomorrow) == ("scheduled", "2026-01-01T00:00:00.000Z"))
                #expect(try await outbox().isEmpty)

                let cancel = try await client.execute(
                    uri: "/conversations/messages/\(cancelled)/schedule", method: .delete, headers: tenant.headers)
                #expect(try cancel.json() as NSDictionary
                    == ["status": 200, "message": "Scheduled message cancelled successfully"] as NSDictionary)

                #expect(try await Self.move(client, #"{"advance":"23h"}"#).status == .ok)
                #expect(try await status(tomorrow) == ("scheduled", "2026-01-01T00:00:00.000Z"))
                #expect(try await Self.move(client, #"{"advance":"2h"}"#).status == .ok)
                #expect(try await status(tomorrow) == ("delivered", "2026-01-02T00:00:00.000Z"))
                #expect(try await status(cancelled) == ("cancelled", "2026-01-01T00:00:00.000Z"))
                let events = try await outbox()
                #expect(events.map { $0["messageId"] as? String } == [cancelled, tomorrow])
                #expect(events.map { $0["status"] as? String } == ["cancelled", "delivered"])
                #expect(events.last?["type"] as? String == "OutboundMessage")
                #expect(events.last?["body"] as? String == "tomorrow")
                #expect(events.last?["createdAt"] as? String == "2026-01-02T00:00:00.000Z")
                // Cancelling what was sent changes nothing.
                let late = try await client.execute(
                    uri: "/conversations/messages/\(tomorrow)/schedule", method: .delete, headers: tenant.headers)
                #expect(try late.json()["status"] as? Int == 404)
                #expect(try await status(tomorrow).0 == "delivered")

                // A time already past: sent at once, with its event.
                let past = try await send("past", at: epoch)
                #expect(try await status(past).0 == "delivered")
                #expect(try await outbox().compactMap { $0["messageId"] as? String } == [past])
            }
        }
    }

    @Test func withoutTheTestClockTheClockIsTheWallsAndCannotMove() async throws {
        try await withStore(.sqlite) { store in
            try await ControlAPITests.application(store) { $0.now = Timestamp.now }.test(.live) { client in
                let before = Timestamp.now()
                let clock = try await client.get("/_switchboard/clock", headers: Self.admin).json()
                let now = try #require((clock["now"] as? String).flatMap(Timestamp.init(iso8601:)))
                #expect(clock["testClock"] as? Bool == false)
                #expect(now >= before && now <= Timestamp.now())
                let refused = try await Self.move(client, #"{"advance":"1h"}"#)
                #expect(refused.status == .conflict)
                #expect(try refused.errorBody() == HighLevelErrorBody(
                    statusCode: 409, message: "The test clock is off: start the server with --test-clock", error: "Conflict"))
            }
        }
    }

    /// Uploads nobody finished (a signed URL never filled, one filled and never completed) are removed with their
    /// bytes an hour after they began (`UploadRules.abandonedAfterMilliseconds`); served files stay.
    @Test(arguments: Backend.allCases)
    func abandonedUploadsAreSweptAnHourAfterTheyBegan(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, contact) = try await store.makeConversation(tenant)
            try await ControlAPITests.application(store, clock: Self.frozenClock()).test(.live) { client in
                func initiate(_ filename: String) async throws -> (uploadId: String, filePath: String, path: String) {
                    let answer = try await client.send(
                        .post, "/conversations/messages/upload/initiate", headers: tenant.headers,
                        json: #"{"locationId":"\#(tenant.location)","conversationId":"\#(conversation)","filename":"\#(filename)","contentType":"video/mp4","channel":"SMS"}"#
                    ).json()
                    return (
                        try #require(answer["uploadId"] as? String), try #require(answer["filePath"] as? String),
                        try FilesTests.path(try #require(answer["uploadUrl"] as? String)))
                }
                func stored(_ uploadId: String) async throws -> StoredFile? {
                    try await store.upload(uploadId, in: tenant.location, logger: .test)
                }
                let neverFilled = try await initiate("never.mp4")
                let neverCompleted = try await initiate("filled.mp4")
                let put = try await client.execute(
                    uri: neverCompleted.path, method: .put, headers: [.contentType: "application/octet-stream"],
                    body: ByteBuffer(bytes: FilesTests.bytes(300_000)))
                #expect(put.status == .ok)
                let filledToken = try #require(try await stored(neverCompleted.uploadId)).token
                #expect(try await store.fileChunks(filledToken, 0...10, logger: .test).count == 2)
                let kept = try await FilesTests.upload(client, tenant, body: FilesTests.multipart(
                    fields: [("conversationId", conversation.rawValue), ("contactId", contact.rawValue), ("locationId", tenant.location.rawValue)],
                    files: [("kept.txt", [65, 66])]))
                let keptPath = try FilesTests.path(
                    try #require((try kept.json()["uploadedFiles"] as? [String: String])?["kept.txt"]))

                // 59 minutes on, both are still there.
                #expect(try await Self.move(client, #"{"advance":"59m"}"#).status == .ok)
                #expect(try await stored(neverFilled.uploadId) != nil)
                #expect(try await stored(neverCompleted.uploadId) != nil)
                // Past the hour, the clock's move sweeps them (the server also sweeps every five minutes).
                #expect(try await Self.move(client, #"{"advance":"61s"}"#).status == .ok)
                #expect(try await stored(neverFilled.uploadId) == nil)
                #expect(try await stored(neverCompleted.uploadId) == nil)
                #expect(try await store.fileChunks(filledToken, 0...10, logger: .test).isEmpty)
                let completion = try await client.send(
                    .post, "/conversations/messages/upload/complete", headers: tenant.headers,
                    json: #"{"uploadId":"\#(neverCompleted.uploadId)","filePath":"\#(neverCompleted.filePath)","locationId":"\#(tenant.location)","conversationId":"\#(conversation)","filename":"filled.mp4"}"#)
                #expect(try completion.errorBody() == HighLevelErrorBody(
                    statusCode: 404, message: "File not found in storage - upload may have failed or URL expired"))
                let served = try await client.get(keptPath, headers: [:])
                #expect(served.status == .ok)
                #expect(Array(buffer: served.body) == [65, 66])
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func accessTokensCodesAndRefreshTokensExpireAsTheClockAdvances(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            let app = try await store.installApp(on: .location(tenant.location))
            let code = try await store.installApp(on: .location(tenant.location), grant: .authorizationCode)
            try await ControlAPITests.application(store, clock: Self.frozenClock()).test(.live) { client in
                let grant = try await client.grant(app)
                let path = "/conversations/\(conversation)/messages"
                #expect(try await client.get(path, headers: grant.headers).status == .ok)
                #expect(try await Self.move(client, #"{"advance":"86398s"}"#).status == .ok)
                #expect(try await client.get(path, headers: grant.headers).status == .ok)
                _ = try await Self.move(client, #"{"advance":"1s"}"#)  // at exp = iat + 86399
                let expired = try await client.get(path, headers: grant.headers)
                #expect(expired.status == .unauthorized)
                #expect(try expired.errorBody() == HighLevelErrorBody(statusCode: 401, message: "Invalid JWT"))
                let codeResponse = try await client.oauthToken([
                    ("client_id", code.clientId), ("client_secret", code.secret), ("grant_type", "authorization_code"),
                    ("code", code.refreshToken),
                ])
                #expect(try OAuthErrorBody(codeResponse) == OAuthErrorBody(
                    "invalid_grant", "Invalid grant: authorization code has expired"))
                // The refresh token outlives the access token, not the year.
                let renewed = try await client.grant(app, token: grant.refreshToken)
                #expect(try await client.get(path, headers: renewed.headers).status == .ok)
                _ = try await Self.move(client, #"{"advance":"366d"}"#)
                let refused = try await client.refresh(app, token: renewed.refreshToken)
                #expect(refused.status == .badRequest)
                #expect(try OAuthErrorBody(refused) == OAuthErrorBody("invalid_grant", "Invalid grant: refresh token has expired"))
            }
        }
    }

    /// Both doors count against windows that the clock moves: the router's and the hot path's (SQLite caches).
    @Test func rateLimitWindowsAndTheDayFollowTheClock() async throws {
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let (conversation, _) = try await seedConversation(store, tenant: tenant, count: 1)
            // Windows of ten minutes: a window also runs on real time, and in a loaded run three requests once took
            // longer than a window of ten seconds.
            let app = ControlAPITests.application(store, clock: Self.frozenClock()) {
                $0.rateLimit = RateLimitPolicy(burst: 2, window: .seconds(600), daily: 5)
            }
            try await app.test(.live) { client in
                let path = "/conversations/\(conversation)/messages"
                func statuses(_ count: Int) async throws -> [Int] {
                    var statuses: [Int] = []
                    for _ in 0..<count { statuses.append(Int(try await client.get(path, headers: tenant.headers).status.code)) }
                    return statuses
                }
                #expect(try await statuses(3) == [200, 200, 429])
                _ = try await Self.move(client, #"{"advance":"10m"}"#)
                #expect(try await statuses(3) == [200, 200, 429])
                _ = try await Self.move(client, #"{"advance":"10m"}"#)
                let overTheDay = try await client.get(path, headers: tenant.headers)
                #expect(overTheDay.status == .ok)  // the fifth of the day
                let refused = try await client.get(path, headers: tenant.headers)
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[HTTPField.Name("X-RateLimit-Daily-Remaining")!] == "0")
                _ = try await Self.move(client, #"{"advance":"10m"}"#)
                let stillRefused = try await client.get(path, headers: tenant.headers)
                #expect(stillRefused.headers[HTTPField.Name("Retry-After")!] == "86400")
                _ = try await Self.move(client, #"{"advance":"1d"}"#)
                #expect(try await statuses(3) == [200, 200, 429])
            }
        }
    }

    /// A 429 puts the retry ten minutes out (HighLevel's interval); moving the clock past it delivers it now.
    @Test func aWebhookRetryIsSentWhenTheClockPassesItsTime() async throws {
        let receiver = WebhookReceiver { _, index in index == 0 ? .init(.tooManyRequests) : .init() }
        try await receiver.run { port in
            try await withStore(.sqlite) { store in
                let tenant = try await store.makeTenant()
                try await store.subscribe(tenant, id: "sub_clock", url: "http://127.0.0.1:\(port)/hook")
                let (conversation, contact) = try await store.makeConversation(tenant)
                let app = ControlAPITests.application(store, clock: TestClock()) { configuration in
                    configuration.webhooks.enabled = true
                    configuration.webhooks.pollInterval = .milliseconds(50)
                    configuration.webhooks.retry.jitter = 0
                }
                try await app.test(.live) { client in
                    let sent = try await client.send(
                        .post, "/conversations/messages/inbound", headers: tenant.headers,
                        json: #"{"type":"SMS","conversationId":"\#(conversation)","contactId":"\#(contact)","message":"hi"}"#)
                    #expect(sent.status == .created)
                    let first = try await receiver.waitFor(1)
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(receiver.deliveries.count == 1)  // the retry waits for its time
                    #expect(try await Self.move(client, #"{"advance":"11m"}"#).status == .ok)
                    let both = try await receiver.waitFor(2, timeout: .seconds(10))
                    #expect(both.map(\.webhookId) == [first[0].webhookId, first[0].webhookId])
                }
            }
        }
    }
}
