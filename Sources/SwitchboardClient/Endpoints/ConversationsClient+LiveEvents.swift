public import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
public import SwitchboardCore

/// One event of a Switchboard server's live stream: the webhook HighLevel would deliver, byte for byte, with the
/// signature headers a delivery of it carries (none when the server does not sign webhooks).
public struct LiveEvent: Sendable, Hashable {
    /// `InboundMessage`, `OutboundMessage`, …
    public var type: String
    public var webhookId: String
    /// `x-wh-signature`, `x-ghl-signature`: what a webhook handler verifies.
    public var signatureHeaders: [String: String]
    /// The delivery's JSON body, as signed.
    public var body: [UInt8]
}

extension ConversationsClient {
    /// `GET /_switchboard/events` (Switchboard only): the token's location's events, as
    /// they are committed, until the server stops or the task is cancelled. `types` narrows them (`InboundMessage`,
    /// `OutboundMessage`). The stream is open once the first element would be waited for: events of writes made
    /// after this returns are all seen.
    public func liveEvents(types: [String] = []) async throws -> AsyncThrowingStream<LiveEvent, any Error> {
        var query = QueryItems()
        for type in types { query.add("event", type) }
        var http = HTTPClientRequest(url: configuration.baseURL + "/_switchboard/events" + query.encoded)
        http.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        http.headers.add(name: "Version", value: configuration.apiVersion.rawValue)
        http.headers.add(name: "Accept", value: "text/event-stream")
        http.headers.add(name: "User-Agent", value: configuration.userAgent)
        // Open until the server ends it: the request timeout is not the stream's.
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(http, timeout: .hours(24 * 365), logger: logger)
        } catch {
            // Said as the other requests say it, with where it went: a stream is not retried.
            throw ClientTransportError(
                request: "GET \(configuration.baseURL)/_switchboard/events", attempts: 1,
                requestWasNotSent: TransportFailure.classify(error) == .notSent, underlying: error)
        }
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: configuration.maximumResponseBytes)
            throw HighLevelAPIError(
                status: Int(response.status.code), body: Array(body.readableBytesView), headers: response.headers,
                request: "GET /_switchboard/events", attempts: 1)
        }
        var chunks = response.body.makeAsyncIterator()
        // The server's first bytes (a comment) arrive once it listens: wait for them, so no later event is missed.
        var reader = ServerSentEvents()
        guard let first = try await chunks.next() else { return AsyncThrowingStream { $0.finish() } }
        reader.append(first.readableBytesView)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: LiveEvent.self)
        let pump = Task { [reader, chunks] in
            var reader = reader
            var chunks = chunks
            do {
                while true {
                    for data in reader.takeEvents() {
                        if let event = LiveEvent(data: data) { continuation.yield(event) }
                    }
                    guard let chunk = try await chunks.next() else { break }
                    reader.append(chunk.readableBytesView)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        return stream
    }
}

extension LiveEvent {
    /// From an event's `data`: `{"type","webhookId","headers":{…},"body":"…"}`.
    init?(data: [UInt8]) {
        guard let object = try? RawJSON(parsing: data).objectValue, let type = object["type"]?.stringValue,
            let webhookId = object["webhookId"]?.stringValue, let body = object["body"]?.stringValue
        else { return nil }
        var headers: [String: String] = [:]
        for member in object["headers"]?.objectValue?.members ?? [] {
            if let value = member.value.stringValue { headers[member.key] = value }
        }
        self.init(type: type, webhookId: webhookId, signatureHeaders: headers, body: Array(body.utf8))
    }
}

/// The `data` of each complete event of a `text/event-stream`, as bytes arrive (comments and other fields skipped).
struct ServerSentEvents: Sendable {
    private var buffer: [UInt8] = []
    /// Events longer than this (a misbehaving server) are dropped rather than grown without end.
    static let longestEvent = 16 << 20

    mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The `data` of each event completed so far (its `data:` lines joined by newlines).
    mutating func takeEvents() -> [[UInt8]] {
        var events: [[UInt8]] = []
        while let end = Self.eventEnd(in: buffer) {
            let block = buffer[..<end.start]
            var data: [UInt8]?
            for line in block.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard line.starts(with: Array("data:".utf8)) else { continue }
                var value = line.dropFirst(5)
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                if var joined = data {
                    joined.append(UInt8(ascii: "\n"))
                    joined.append(contentsOf: value)
                    data = joined
                } else {
                    data = Array(value)
                }
            }
            if let data { events.append(data) }
            buffer.removeSubrange(..<end.next)
        }
        if buffer.count > Self.longestEvent { buffer.removeAll() }
        return events
    }

    /// Where the first blank line is: the event before it, and where the next begins.
    private static func eventEnd(in buffer: [UInt8]) -> (start: Int, next: Int)? {
        var index = 0
        while index + 1 < buffer.count {
            if buffer[index] == UInt8(ascii: "\n"), buffer[index + 1] == UInt8(ascii: "\n") { return (index, index + 2) }
            index += 1
        }
        return nil
    }
}
