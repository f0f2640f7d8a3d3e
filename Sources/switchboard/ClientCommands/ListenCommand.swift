import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardClient
import SwitchboardCore

/// `switchboard listen`: a location's events as they happen (Switchboard's `GET /_switchboard/events`), printed one
/// per line, or forwarded to a local handler with the signature headers a webhook delivery carries — a handler can be
/// exercised without registering a subscription (`stripe listen`'s role).
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Print a location's events as they happen, or forward each to a local handler.",
        discussion: """
            Needs a Switchboard server (any: the event stream does not need the control API); the token's \
            location is the one listened to. Without --forward-to, each event's JSON body is printed on a \
            line of its own. With it, each is POSTed there exactly as a webhook delivery (body and x-wh-signature / \
            x-ghl-signature headers) and a line says what the handler answered. Runs until interrupted or the \
            server stops.
            """)

    @Option(help: "POST each event to this URL, signed as webhooks are, and print the handler's status.")
    var forwardTo: String?
    @Option(name: .customLong("event"), help: "Only events of this type (\(WebhookEventType.live.joined(separator: ", "))); repeatable.")
    var events: [String] = []
    @OptionGroup var client: ClientOptions

    func validate() throws {
        for event in events where !WebhookEventType.live.contains(event) {
            throw ValidationError("--event must be one of \(WebhookEventType.live.joined(separator: ", "))")
        }
        if let forwardTo {
            guard let url = URL(string: forwardTo), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil
            else { throw ValidationError("--forward-to must be an http:// or https:// URL") }
        }
    }

    func run() async throws {
        try await client.withClient { client in
            let stream = try await client.liveEvents(types: events)
            Output.error("listening for \(events.isEmpty ? "every event" : events.joined(separator: ", ")) (Ctrl-C stops)")
            for try await event in stream {
                guard let forwardTo else {
                    Output.line(String(decoding: event.body, as: UTF8.self))
                    continue
                }
                Output.line("\(event.type) \(event.webhookId) -> \(await Self.forward(event, to: forwardTo))")
            }
        }
        Output.error("the server ended the stream")
    }

    /// The handler's status, or why there is none.
    static func forward(_ event: LiveEvent, to url: String) async -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "switchboard-listen")
        for (name, value) in event.signatureHeaders.sorted(by: { $0.key < $1.key }) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: event.body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return "\(response.status.code)"
        } catch {
            return "no answer (\(error))"
        }
    }
}
