import AsyncHTTPClient
import Foundation
import NIOCore
import SwitchboardClient
import SwitchboardCore
import SwitchboardTesting
import Testing

/// The live event stream's ids (issue 22): a listener whose connection dropped resumes after the last event it saw
/// (`Last-Event-ID`, or `?lastEventId=` for a client that cannot set headers) and gets exactly what it missed, in
/// order, once; an id the server cannot resume from (another run's, or unknown) starts the stream with `event: reset`.
@Suite struct LiveEventResumeTests {
    /// One SSE frame as sent: its fields.
    struct Frame: Equatable {
        var event: String?
        var id: String?
        var data: String?
    }

    /// Reads frames off a raw `GET /_switchboard/events` until `count` have arrived (comments skipped).
    final class Listener: @unchecked Sendable {
        private var iterator: HTTPClientResponse.Body.AsyncIterator
        private var buffer = ""

        init(server: TestServer, lastEventId: String? = nil, inQuery: Bool = false) async throws {
            var path = "/_switchboard/events"
            if let lastEventId, inQuery { path += "?lastEventId=" + lastEventId }
            var request = HTTPClientRequest(url: server.baseURL + path)
            request.headers.add(name: "Authorization", value: "Bearer \(server.token)")
            request.headers.add(name: "Version", value: "2021-04-15")
            if let lastEventId, !inQuery { request.headers.add(name: "Last-Event-ID", value: lastEventId) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream; charset=utf-8")
            iterator = response.body.makeAsyncIterator()
        }

        func frames(_ count: Int) async throws -> [Frame] {
            var frames: [Frame] = []
            while frames.count < count {
                if let end = buffer.range(of: "\n\n") {
                    let raw = buffer[..<end.lowerBound]
                    buffer.removeSubrange(..<end.upperBound)
                    var frame = Frame()
                    for line in raw.split(separator: "\n") where !line.hasPrefix(":") {
                        let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
                        let value = parts.count == 2 ? String(parts[1].dropFirst(parts[1].hasPrefix(" ") ? 1 : 0)) : ""
                        switch parts[0] {
                        case "event": frame.event = value
                        case "id": frame.id = value
                        case "data": frame.data = value
                        default: break
                        }
                    }
                    if frame != Frame() { frames.append(frame) }
                    continue
                }
                guard let chunk = try await iterator.next() else { break }
                buffer += String(buffer: chunk)
            }
            return frames
        }
    }

    static func body(of frame: Frame) throws -> String? {
        let envelope = try #require(
            try JSONSerialization.jsonObject(with: Data((frame.data ?? "").utf8)) as? [String: Any])
        let body = try #require(
            try JSONSerialization.jsonObject(with: Data(((envelope["body"] as? String) ?? "").utf8)) as? [String: Any])
        return body["body"] as? String
    }

    @Test func aListenerResumesAfterTheLastEventItSawAndMissesNothing() async throws {
        try await withTestServer { server in
            let client = ConversationsClient(configuration: ClientConfiguration(baseURL: server.baseURL, token: server.token))
            let contact = try await client.createContact(
                ContactFields(locationId: LocationID(rawValue: server.locationId), phone: "+15550123"))
            let first = try await Listener(server: server)
            for text in ["one", "two"] {
                _ = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: text))
            }
            let seen = try await first.frames(2)
            #expect(try seen.map(Self.body) == ["one", "two"])
            #expect(seen.map(\.event) == ["OutboundMessage", "OutboundMessage"])
            let ids = seen.compactMap(\.id)
            #expect(ids.count == 2)
            // `EPOCH.SEQUENCE`: the same run's epoch, numbers one apart.
            let parts = ids.map { $0.split(separator: ".") }
            #expect(parts.allSatisfy { $0.count == 2 } && parts[0][0] == parts[1][0])
            #expect(parts.count == 2 && Int(parts[1][1]) == Int(parts[0][1]).map { $0 + 1 })

            // Away while two more are written: a listener coming back after "two" gets exactly those, in order.
            for text in ["three", "four"] {
                _ = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: text))
            }
            for inQuery in [false, true] {
                let back = try await Listener(server: server, lastEventId: ids[1], inQuery: inQuery)
                _ = try await client.sendMessage(
                    SendMessageRequest(type: .sms, contactId: contact.id, message: inQuery ? "six" : "five"))
                let resumed = try await back.frames(inQuery ? 4 : 3)
                #expect(resumed.map(\.event).allSatisfy { $0 == "OutboundMessage" })
                #expect(
                    try resumed.map(Self.body)
                        == (inQuery ? ["three", "four", "five", "six"] : ["three", "four", "five"]))
            }

            // Resuming from the newest event replays nothing: the next frame is the next write.
            let caughtUp = try await Listener(server: server, lastEventId: ids[1])
            let replayed = try await caughtUp.frames(4)
            #expect(try replayed.map(Self.body) == ["three", "four", "five", "six"])
            let newest = try #require(replayed.last?.id)
            let current = try await Listener(server: server, lastEventId: newest)
            _ = try await client.sendMessage(SendMessageRequest(type: .sms, contactId: contact.id, message: "seven"))
            #expect(try await current.frames(1).map(Self.body) == ["seven"])
        }
    }

    @Test func anIdTheServerCannotResumeFromStartsWithAReset() async throws {
        try await withTestServer { server in
            for unknown in ["zzzz.1", "not-an-id", "0.999999999"] {
                let listener = try await Listener(server: server, lastEventId: unknown)
                let frames = try await listener.frames(1)
                #expect(frames == [Frame(event: "reset", id: nil, data: "{}")], "\(unknown)")
            }
        }
    }
}
