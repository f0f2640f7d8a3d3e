import Hummingbird
import HTTPTypes
import Logging
import SwitchboardCore
import SwitchboardSetup
import SwitchboardStorage

/// The control API under `/_switchboard/`, outside HighLevel's namespace: what a test suite does between and inside
/// its tests — reset the store, make a tenant, move the test clock, make the next calls fail, see what was called.
struct ControlController<Store: ConversationStore>: Sendable {
    let store: Store
    let control: ControlConfiguration
    let shared: SharedState
    /// `METHOD /path/{param}` of every API route: what a fault rule may name.
    let apiRoutes: Set<String>
    /// What a reset goes back to, when the server was started with a seed file.
    let seed: Seed?
    let now: @Sendable () -> Timestamp

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("/_switchboard").add(middleware: ControlGate(adminToken: control.adminToken))
        group.post("reset", use: reset)
        group.post("locations", use: createLocation)
        group.get("clock", use: clock)
        group.post("clock", use: moveClock)
        group.get("faults", use: faults)
        group.post("faults", use: addFault)
        group.delete("faults", use: removeFaults)
        group.get("requests", use: requests)
        group.post("webhooks", use: subscribe)
        group.post("providers", use: addProvider)
    }

    /// Every location's data back to empty (with `all=true` the locations, tokens, apps and subscriptions too), then
    /// to the seed file's state when there is one, and the server's own state with it: cached answers, remembered tokens, rate-limit counts, run-time faults, the
    /// request journal and the test clock.
    @Sendable func reset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let everything = try Self.flag("all", in: QueryParameters(request))
        let scope: ResetScope = everything ? .everything : .data
        try await store.reset(scope, logger: context.logger)  // the instrumented store empties the answer cache
        control.testClock?.followWallClock()
        if let seed {
            try await SeedLoader.load(seed, into: store, at: now(), existing: .fill, logger: context.logger)
        }
        shared.tokens.forgetAll()
        try await shared.rateLimiter?.forgetAll()
        _ = shared.faultRules?.removeAll()
        shared.journal?.removeAll()
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("reset"); json.string(scope.rawValue)
            json.key("seeded"); json.bool(seed != nil)
        }
    }

    /// A location and a token with every scope, in one call: a tenant of its own for each test.
    @Sendable func createLocation(_ request: Request, context: AppRequestContext) async throws -> Response {
        var body = try await RequestBody.read(request, context: context)
        let name = body.string("name", maxLength: 200)
        let id = Self.locationField(&body, required: false)
        try body.validate()
        let location = Location(
            id: id ?? .generate(), name: name ?? "Test location", dateAdded: now())
        if try await store.location(location.id, logger: context.logger) != nil {
            throw SwitchboardError.conflict("Location \(location.id.rawValue) exists")
        }
        try await store.createLocation(location, logger: context.logger)
        let (token, record) = PrivateIntegrationToken.issue(
            location: location.id, scopes: Set(Scope.allCases), name: "control API", at: now())
        try await store.createToken(record, logger: context.logger)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("locationId"); json.string(location.id.rawValue)
            json.key("name"); json.string(location.name)
            json.key("token"); json.string(token)
        }
    }

    @Sendable func clock(_ request: Request, context: AppRequestContext) async throws -> Response {
        clockResponse(traceId: context.traceId)
    }

    /// `{"advance":"25h"}` or `{"set":"<ISO-8601>"}`. Never before the newest stored message, whose dates would
    /// then lie in the clock's future.
    @Sendable func moveClock(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let clock = control.testClock else {
            throw SwitchboardError.conflict("The test clock is off: start the server with --test-clock")
        }
        var body = try await RequestBody.read(request, context: context)
        let advanceText = body.string("advance", maxLength: 32)
        let target = body.date("set")
        let advance = advanceText.flatMap(TestClock.parseDuration)
        if advanceText != nil && advance == nil {
            body.rejectField("advance must be a whole number of at most nine digits and a unit (ms, s, m, h or d), e.g. 25h")
        }
        if (advanceText == nil) == (target == nil) && body.violations.isEmpty {
            body.rejectField("exactly one of advance and set must be given")
        }
        try body.validate()
        if let advance {
            guard clock.now().rawValue + advance.wholeMilliseconds <= Timestamp.latest.rawValue else {
                throw ValidationFailure("advance must not move the clock past \(Timestamp.latest.iso8601)")
            }
            clock.advance(by: advance)
        } else if let target {
            if target < clock.now(), let latest = try await store.latestMessageTime(logger: context.logger),
                target < latest
            {
                throw ValidationFailure(
                    "set must not be before \(latest.iso8601), the date of the newest stored message")
            }
            clock.set(to: target)
        }
        // Scheduled messages that came due by the move are sent, and uploads it abandoned removed, before the
        // answer; webhook retries that came due go now, not at the dispatcher's next timer.
        try await shared.scheduledSends.sendDue()
        try await shared.uploadSweeper.sweep()
        shared.webhookDoorbell.ring()
        return clockResponse(traceId: context.traceId)
    }

    private func clockResponse(traceId: String) -> Response {
        JSONResponse.make(traceId: traceId) { json in
            json.key("now"); json.timestamp(now())
            json.key("testClock"); json.bool(control.testClock != nil)
        }
    }

    @Sendable func faults(_ request: Request, context: AppRequestContext) async throws -> Response {
        let rules = shared.faultRules?.all ?? []
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("faults")
            json.beginArray()
            for rule in rules { Self.write(rule, to: &json) }
            json.endArray()
        }
    }

    /// `{"route","locationId","status","rate","count"}`: `status` (429 or 503) is required; no `route` or
    /// `locationId` means every one; `rate` defaults to 1; no `count` means until removed.
    @Sendable func addFault(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let rules = shared.faultRules else { throw SwitchboardError.internalError }
        var body = try await RequestBody.read(request, context: context)
        let route = body.string("route", maxLength: 512)
        let location = body.string("locationId", maxLength: 64).map(LocationID.init(rawValue:))
        let status = body.integer("status")
        let rate = body.number("rate", in: 0...1, rangeText: "0 to 1")
        let count = body.integer("count", minimum: 1, maximum: 1_000_000)
        if let route, !apiRoutes.contains(route) {
            body.rejectField("route '\(route.prefix(100))' is not an API route: use one of \(apiRoutes.sorted().joined(separator: ", "))")
        }
        if let status, !FaultRule.statuses.contains(status) {
            body.rejectField("status must be one of the following values: 429, 503")
        } else if status == nil && body.violations.isEmpty {
            body.rejectField("status should not be empty")
        }
        try body.validate()
        guard let status else { throw SwitchboardError.internalError }
        let rule = rules.add(route: route, location: location, status: status, rate: rate ?? 1, count: count)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("fault"); Self.write(rule, to: &json)
        }
    }

    @Sendable func removeFaults(_ request: Request, context: AppRequestContext) async throws -> Response {
        let removed = shared.faultRules?.removeAll() ?? 0
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("removed"); json.integer(removed)
        }
    }

    /// The journal, oldest first: all of it, or what came at or after `since` (ISO-8601).
    @Sendable func requests(_ request: Request, context: AppRequestContext) async throws -> Response {
        let sinceText = try QueryParameters(request).single("since")
        let since = try sinceText.map { text throws(ValidationFailure) -> Timestamp in
            guard let time = Timestamp(iso8601: text) else {
                throw ValidationFailure("since must be a valid ISO 8601 date string")
            }
            return time
        }
        let entries = shared.journal?.entries(since: since) ?? []
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("requests")
            json.beginArray()
            for entry in entries {
                json.beginObject()
                json.key("method"); json.string(entry.method)
                json.key("path"); json.string(entry.path)
                json.key("status"); json.integer(entry.status)
                if let location = entry.location { json.key("locationId"); json.string(location.rawValue) }
                json.key("time"); json.timestamp(entry.time)
                json.endObject()
            }
            json.endArray()
        }
    }

    private static func write(_ rule: FaultRule, to json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.string(rule.id)
        if let route = rule.route { json.key("route"); json.string(route) }
        if let location = rule.location { json.key("locationId"); json.string(location.rawValue) }
        json.key("status"); json.integer(rule.status)
        json.key("rate"); json.raw(String(rule.rate).utf8)
        if let remaining = rule.remaining { json.key("remaining"); json.integer(remaining) }
        json.endObject()
    }

    private static func flag(_ name: String, in query: QueryParameters) throws(ValidationFailure) -> Bool {
        switch try query.single(name) {
        case nil, "false": false
        case "true": true
        default: throw ValidationFailure("\(name) must be a boolean value")
        }
    }

    /// `locationId`: a location's id, of letters, digits, `_` and `-` (a violation otherwise).
    static func locationField(_ body: inout RequestBody, required: Bool) -> LocationID? {
        let id = body.string("locationId", required: required, maxLength: 64)
        if let id, !id.utf8.allSatisfy(isIdentifierByte) {
            body.rejectField("locationId must contain only letters, digits, '_' and '-'")
            return nil
        }
        return id.map(LocationID.init(rawValue:))
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}

/// The control API's lock: the admin token, compared in constant time. A location's token is refused like any other
/// wrong one.
struct ControlGate: RouterMiddleware {
    typealias Context = AppRequestContext
    let adminToken: String

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEqual(Array(header.utf8.dropFirst(7)), Array(adminToken.utf8))
        else { throw SwitchboardError.adminTokenInvalid }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
