import SwitchboardCore
@testable import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// What `LiveEvents` keeps for listeners that come back (issue 22): the newest `replayedEvents`, no more; a listener
/// asking for anything older is told it may have missed events rather than handed a partial replay.
@Suite struct LiveEventsTests {
    static let location = LocationID(rawValue: "loc-live-events")

    static func event(_ index: Int, location: LocationID = location) -> WebhookEvent {
        WebhookEvent(
            type: "InboundMessage", locationId: location, conversationId: nil, payload: Array("{\"n\":\(index)}".utf8),
            createdAt: testEpoch)
    }

    /// The sequence numbers a subscription holds right now (read for 200 ms, then the reader is cancelled).
    static func drain(_ subscription: LiveEvents.Subscription) async -> [Int] {
        let reader = Task {
            var sequences: [Int] = []
            for await numbered in subscription.events { sequences.append(numbered.sequence) }
            return sequences
        }
        try? await Task.sleep(for: .milliseconds(200))
        reader.cancel()
        return await reader.value
    }

    @Test func onlyTheNewestEventsAreKeptAndAnOlderIdIsAGap() async throws {
        let live = LiveEvents()
        let count = LiveEvents.replayedEvents * 2 + 10
        live.publish((1...count).map { Self.event($0) })
        // Only the newest `replayedEvents` are replayed (as many as a listener's stream buffers).
        let oldestKept = count - LiveEvents.replayedEvents + 1
        let kept = try #require(live.listen(to: Self.location, types: [], after: "\(live.epoch).\(oldestKept - 1)"))
        #expect(kept.mayHaveMissedEvents == false)
        live.publish([Self.event(0, location: LocationID(rawValue: "elsewhere"))])
        let replayed = await Self.drain(kept)
        #expect(replayed.count == LiveEvents.replayedEvents)
        let everyKeptEventInOrder = replayed == Array(oldestKept...count)
        #expect(everyKeptEventInOrder, "first \(replayed.first ?? 0), last \(replayed.last ?? 0)")

        let tooOld = try #require(live.listen(to: Self.location, types: [], after: "\(live.epoch).\(oldestKept - 2)"))
        #expect(tooOld.mayHaveMissedEvents == true)
        #expect(await Self.drain(tooOld) == [])
        let otherRun = try #require(live.listen(to: Self.location, types: [], after: "x\(live.epoch).\(count)"))
        #expect(otherRun.mayHaveMissedEvents == true)
        let fresh = try #require(live.listen(to: Self.location, types: [], after: nil))
        #expect(fresh.mayHaveMissedEvents == false)
        #expect(await Self.drain(fresh) == [])
    }

    @Test func aReplayKeepsTheListenersTypesAndLocation() async throws {
        let live = LiveEvents()
        var outbound = Self.event(2)
        outbound = WebhookEvent(
            type: "OutboundMessage", locationId: Self.location, conversationId: nil, payload: outbound.payload,
            createdAt: testEpoch)
        live.publish([Self.event(1), outbound, Self.event(3, location: LocationID(rawValue: "elsewhere")), Self.event(4)])
        let inbound = try #require(live.listen(to: Self.location, types: ["InboundMessage"], after: "\(live.epoch).0"))
        #expect(await Self.drain(inbound) == [1, 4])
    }

    @Test func aListenerThatFallsTooFarBehindIsEndedNotSkipped() async throws {
        let live = LiveEvents()
        let slow = try #require(live.listen(to: Self.location, types: []))
        live.publish((1...(LiveEvents.bufferedEvents + 5)).map { Self.event($0) })
        // What fit is read, then the stream ends: nothing after a gap is delivered.
        var sequences: [Int] = []
        for await numbered in slow.events { sequences.append(numbered.sequence) }
        let readUpToTheGap = sequences == Array(1...LiveEvents.bufferedEvents)
        #expect(readUpToTheGap, "read \(sequences.count), last \(sequences.last ?? 0)")
        #expect(live.listenerCount == 0)
    }

    @Test func forgettingTheHistoryEndsEveryStreamAndOldIdsCannotResume() async throws {
        let live = LiveEvents()
        live.publish([Self.event(1)])
        let before = live.epoch
        let listening = try #require(live.listen(to: Self.location, types: []))
        live.forgetHistory()
        var count = 0
        for await _ in listening.events { count += 1 }
        #expect(count == 0)
        #expect(live.epoch != before)
        let again = try #require(live.listen(to: Self.location, types: [], after: "\(before).1"))
        #expect(again.mayHaveMissedEvents == true)
    }

    @Test func oneLocationCannotTakeEveryListenerSlot() async throws {
        let live = LiveEvents()
        var held: [LiveEvents.Subscription] = []
        for _ in 0..<LiveEvents.maximumListenersPerLocation {
            held.append(try #require(live.listen(to: Self.location, types: [])))
        }
        #expect(live.listen(to: Self.location, types: []) == nil)
        #expect(live.listen(to: LocationID(rawValue: "another-location"), types: []) != nil)
        #expect(held.count == LiveEvents.maximumListenersPerLocation)
    }
}
