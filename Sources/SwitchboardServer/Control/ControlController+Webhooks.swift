import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardSetup
import SwitchboardStorage

/// Webhook subscriptions and custom providers through the control API: what `switchboard webhook add` and
/// `switchboard provider add` do, for a test whose server keeps its store in memory, out of the CLI's reach.
extension ControlController {
    /// `{"locationId","url","events"}`: the location's events (every one, or those named) delivered to `url`.
    @Sendable func subscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        var body = try await RequestBody.read(request, context: context)
        let location = Self.locationField(&body, required: true)
        let url = body.string("url", required: true, maxLength: 2_048)
        let events = body.stringArray("events", maxCount: 16) ?? []
        if let url, (try? WebhookSetup.checkURL(url)) == nil {
            body.rejectField("url must be an http:// or https:// URL with a host")
        }
        if !events.allSatisfy(WebhookEventType.all.contains) {
            body.rejectField("each value in events must be one of the following values: \(WebhookEventType.all.joined(separator: ", "))")
        }
        try body.validate()
        guard let location, let url else { throw SwitchboardError.internalError }
        try await requireLocation(location, logger: context.logger)
        let subscription = try await WebhookSetup.addSubscription(
            store, location: location, url: url, events: events, now: now(), logger: context.logger)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("id"); json.string(subscription.id)
            json.key("locationId"); json.string(location.rawValue)
            json.key("url"); json.string(subscription.url)
            json.key("events"); json.stringArray(subscription.events)
        }
    }

    /// `{"locationId","name","type","deliveryUrl","default"}`: a custom conversation provider of the location.
    @Sendable func addProvider(_ request: Request, context: AppRequestContext) async throws -> Response {
        var body = try await RequestBody.read(request, context: context)
        let location = Self.locationField(&body, required: true)
        let name = body.string("name", required: true, maxLength: 200)
        // A blank name is refused here, as an empty one is: WebhookSetup's own refusal is the CLI's, not an answer.
        if let name, !name.isEmpty, name.allSatisfy(\.isWhitespace) { body.rejectField("name should not be empty") }
        let channel = body.oneOf(
            "type", ["SMS": ConversationProvider.Channel.sms, "Email": .email], required: true)
        let url = body.string("deliveryUrl", required: true, maxLength: 2_048)
        let isDefault = body.bool("default") ?? false
        if let url, (try? WebhookSetup.checkURL(url)) == nil {
            body.rejectField("deliveryUrl must be an http:// or https:// URL with a host")
        }
        try body.validate()
        guard let location, let name, let channel, let url else { throw SwitchboardError.internalError }
        try await requireLocation(location, logger: context.logger)
        let provider = try await WebhookSetup.addProvider(
            store, location: location, name: name, channel: channel, deliveryURL: url, isDefault: isDefault,
            now: now(), logger: context.logger)
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("conversationProviderId"); json.string(provider.id)
            json.key("locationId"); json.string(location.rawValue)
            json.key("name"); json.string(provider.name)
            json.key("type"); json.string(provider.channel.rawValue)
            json.key("deliveryUrl"); json.string(provider.deliveryURL)
            json.key("default"); json.bool(provider.isDefault)
        }
    }

    /// A location the store has: another is a request that depends on what is stored (422, `x-state-rules`).
    private func requireLocation(_ location: LocationID, logger: Logger) async throws {
        guard try await store.location(location, logger: logger) != nil else {
            throw ValidationFailure("locationId \(location.rawValue) is not a location of this server")
        }
    }
}
