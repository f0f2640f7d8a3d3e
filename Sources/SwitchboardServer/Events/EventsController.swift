import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// `GET /_switchboard/events`: the location's events as Server-Sent Events, for `switchboard listen` and
/// `TestServer.events`. Each event's `data` is one JSON line: the event's `type`, a `webhookId` of its own, the
/// signature `headers` a webhook delivery of its `body` carries (when webhook signing is on), and that exact `body`,
/// so a listener can forward it to a handler as HighLevel would have delivered it. A comment line every 15 seconds
/// keeps proxies from closing the stream and tells a gone listener from a quiet one.
///
/// Each event's SSE `id` lets a listener that lost its connection resume after it (`Last-Event-ID`, or the
/// `lastEventId` query parameter for a client that cannot set headers); when the server no longer has what came
/// after it, the stream starts with an `event: reset` frame, and the listener should read the state afresh.
struct EventsController: Sendable {
    let live: LiveEvents
    let signer: WebhookSigner
    /// Whether this server signs webhooks: its dispatcher then reads (or, on a first start, makes) the keys just
    /// after the server starts, and the first frames wait for them.
    let signs: Bool
    static let keepAliveInterval: Duration = .seconds(15)

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/_switchboard/events", use: events)
    }

    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesReadonly)
        let query = QueryParameters(request)
        var types = Set<String>()
        for raw in query.all("event") {
            for name in raw.split(separator: ",") where !name.isEmpty {
                guard WebhookEventType.live.contains(String(name)) else {
                    throw ValidationFailure(
                        "event must be one of the following values: \(WebhookEventType.live.joined(separator: ", "))")
                }
                types.insert(String(name))
            }
        }
        // An empty id is no id (EventSource sends none on a first connection; some clients send it empty).
        let lastEventId = try (request.headers[Self.lastEventID] ?? query.single("lastEventId").map(String.init))
            .flatMap { $0.isEmpty ? nil : $0 }
        guard let subscription = live.listen(to: principal.locationId, types: types, after: lastEventId) else {
            throw SwitchboardError.serviceUnavailable
        }
        let stream = subscription.events
        let signer = signer
        let body = ResponseBody { writer in
            // The events and the keep-alive comments, merged into one sequence of frames for the one writer.
            let (frames, output) = AsyncStream.makeStream(
                of: [UInt8].self, bufferingPolicy: .bufferingOldest(LiveEvents.bufferedEvents))
            let pump = Task { [signs] in
                var keysRead = !signs
                for await numbered in stream {
                    if !keysRead {
                        await signer.waitForKeys(atMost: .seconds(10))
                        keysRead = true
                    }
                    // A frame that does not fit ends the response after what is buffered: the listener resumes
                    // from the last id it read instead of skipping this one unknowingly.
                    if case .dropped = output.yield(Self.frame(numbered.event, id: numbered.id, signer: signer)) {
                        output.finish()
                        return
                    }
                }
                // The listener was ended (it overflowed, or the history was forgotten): so is the response.
                output.finish()
            }
            let ticker = Task {
                while (try? await Task.sleep(for: Self.keepAliveInterval)) != nil {
                    output.yield(Array(": keep-alive\n\n".utf8))
                }
            }
            // A listener that has gone fails a write (at the latest at the next keep-alive), which ends both.
            defer {
                pump.cancel()
                ticker.cancel()
            }
            try await writer.write(ByteBuffer(string: ": listening\n\n"))
            if subscription.mayHaveMissedEvents {
                try await writer.write(ByteBuffer(string: "event: reset\ndata: {}\n\n"))
            }
            // The server shutting down ends the stream, so shutdown does not wait for a listener that never leaves.
            try await withGracefulShutdownHandler {
                for await frame in frames { try await writer.write(ByteBuffer(bytes: frame)) }
            } onGracefulShutdown: {
                output.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
            body: body)
    }

    static let lastEventID = HTTPField.Name("Last-Event-ID")!  // a valid literal field name

    /// `event: TYPE`, `id: EVENT_ID`, `data: {…}`, a blank line.
    static func frame(_ event: WebhookEvent, id: String, signer: WebhookSigner) -> [UInt8] {
        let webhookId = UUID().uuidString.lowercased()
        let body = WebhookEnvelope.body(type: event.type, payload: event.payload, webhookId: webhookId, timestamp: event.createdAt)
        var json = JSONWriter(capacity: body.count + 1_024)
        json.beginObject()
        json.key("type"); json.string(event.type)
        json.key("webhookId"); json.string(webhookId)
        json.key("headers")
        json.beginObject()
        for (name, value) in (try? signer.signatureHeaders(for: body)) ?? [] {
            json.dynamicKey(name); json.string(value)
        }
        json.endObject()
        json.key("body"); json.string(String(decoding: body, as: UTF8.self))
        json.endObject()
        var frame = Array("event: \(event.type)\nid: \(id)\ndata: ".utf8)
        frame += json.bytes
        frame += Array("\n\n".utf8)
        return frame
    }
}
