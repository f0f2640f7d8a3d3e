import Foundation
import Testing
import SwitchboardCore
import SwitchboardStorage
@testable import SwitchboardServer

/// Every cache a client can fill is bounded: by entries and bytes, least recently used out first (issue 15).
@Suite struct BoundedCacheTests {
    @Test func lruEvictsTheLeastRecentlyUsedEntryByCount() {
        var lru = LRUDictionary<String, Int>(maximumCount: 3)
        for (index, key) in ["a", "b", "c"].enumerated() { lru.insert(index, forKey: key) }
        #expect(lru.value(forKey: "a") == 0)  // "a" is now the newest; "b" the oldest
        let evicted = lru.insert(3, forKey: "d")
        #expect(evicted.map(\.key) == ["b"])
        #expect(lru.count == 3)
        #expect(lru.peek("b") == nil)
        #expect(lru.peek("a") == 0 && lru.peek("c") == 2 && lru.peek("d") == 3)
    }

    @Test func lruKeepsItsTotalCostWithinTheBudget() {
        var lru = LRUDictionary<Int, String>(maximumCount: 1_000, maximumCost: 100)
        for key in 0..<50 { lru.insert("x", forKey: key, cost: 30) }
        #expect(lru.count == 3)
        #expect(lru.totalCost == 90)
        #expect(lru.peek(49) == "x" && lru.peek(47) == "x" && lru.peek(46) == nil)
        // Too large for the budget: not stored, and it pushes nothing out.
        #expect(lru.insert("huge", forKey: 1_000, cost: 101).isEmpty)
        #expect(lru.peek(1_000) == nil)
        #expect(lru.count == 3)
        // Replacing a value re-counts its cost.
        lru.insert("y", forKey: 49, cost: 10)
        #expect(lru.totalCost == 70)
        #expect(lru.removeValue(forKey: 49) == "y")
        #expect(lru.totalCost == 60)
        lru.removeOldest { $0 == "x" }
        #expect(lru.count == 0 && lru.totalCost == 0)
        // The freed slots are reused.
        for key in 0..<10 { lru.insert("z", forKey: key, cost: 10) }
        #expect(lru.count == 10 && lru.totalCost == 100)
    }

    /// Found: 30 messages of 65,000 control characters and 60 reads with different queries took the server from
    /// 250 MB to 1,142 MB. The cache now holds at most its byte budget, however the answers are shaped.
    @Test func responseCacheHoldsAtMostItsByteBudget() {
        let cache = ResponseCache(limits: .init(bytes: 1 << 20, entries: 50_000))
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 40_000)
        for index in 0..<200 {
            let conversation = ConversationID(rawValue: "c\(index % 7)")
            let key = ResponseCache.Key(
                kind: .page, location: LocationID(rawValue: "l"), conversation: conversation, item: "", limit: index,
                filter: [])
            cache.store(.init(prefix: body, conversation: conversation), for: key, ticket: cache.ticket(for: conversation))
            #expect(cache.bytesHeld <= 1 << 20)
        }
        #expect(cache.count == 26)  // 1 MiB / (40,000 + key + 256)
        // One answer above the largest-entry bound is served but never kept.
        let huge = [UInt8](repeating: 0, count: (1 << 20) / 16 + 1)
        let key = ResponseCache.Key(
            kind: .page, location: LocationID(rawValue: "l"), conversation: ConversationID(rawValue: "big"), item: "",
            limit: 1, filter: [])
        cache.store(.init(prefix: huge, conversation: key.conversation), for: key, ticket: cache.ticket(for: key.conversation))
        #expect(cache.lookup(key) == nil)
        #expect(cache.count == 26)
        // Invalidation still finds every kept answer of a conversation after evictions.
        let kept = ResponseCache.Key(
            kind: .page, location: LocationID(rawValue: "l"), conversation: ConversationID(rawValue: "c3"), item: "",
            limit: 199, filter: [])
        #expect(cache.lookup(kept) != nil)
        cache.invalidate([ConversationID(rawValue: "c3")])
        for index in 0..<200 where index % 7 == 3 {
            let evictedKey = ResponseCache.Key(
                kind: .page, location: LocationID(rawValue: "l"), conversation: ConversationID(rawValue: "c3"), item: "",
                limit: index, filter: [])
            #expect(cache.lookup(evictedKey) == nil)
        }
    }

    /// Found: the token cache emptied completely at 10,000 entries, so garbage tokens evicted the real ones.
    @Test func garbageTokensNeverPushOutKnownOnes() {
        let cache = TokenCache(lifetime: .seconds(60), capacity: 100, unknownCapacity: 50)
        let now = ContinuousClock.now
        let real = StoredToken(
            id: "tok", hash: TokenHash(token: "pit-real"), locationId: LocationID(rawValue: "l"), name: "t",
            scopes: [.messagesReadonly], createdAt: Timestamp(rawValue: 0))
        cache.remember(real, for: real.hash, at: now)
        for index in 0..<20_000 { cache.remember(nil, for: TokenHash(token: "pit-garbage-\(index)"), at: now) }
        #expect(cache.lookup(real.hash, now: now) == .some(real))
        #expect(cache.counts.known == 1)
        #expect(cache.counts.unknown == 50)
        // Known tokens are bounded too, least recently used out first.
        for index in 0..<150 {
            let other = StoredToken(
                id: "t\(index)", hash: TokenHash(token: "pit-\(index)"), locationId: LocationID(rawValue: "l"),
                name: "t", scopes: [], createdAt: Timestamp(rawValue: 0))
            cache.remember(other, for: other.hash, at: now)
            _ = cache.lookup(real.hash, now: now)  // in use all along
        }
        #expect(cache.counts.known == 100)
        #expect(cache.lookup(real.hash, now: now) == .some(real))
    }

    @Test func failedAuthenticationsAreBudgetedPerAddress() throws {
        let budget = AuthenticationFailureBudget(policy: .init(failures: 3, window: .seconds(10)))
        let start = ContinuousClock.now
        for _ in 0..<3 {
            try budget.check("10.0.0.1", now: start)
            budget.recordFailure("10.0.0.1", now: start)
        }
        #expect(throws: AuthenticationThrottled.self) { try budget.check("10.0.0.1", now: start + .seconds(1)) }
        do {
            try budget.check("10.0.0.1", now: start + .seconds(1))
        } catch {
            #expect(error.retryAfterSeconds == 9)
        }
        try budget.check("10.0.0.2", now: start)  // another address is not held up
        try budget.check(nil, now: start)  // no address (in-process tests): no budget
        try budget.check("10.0.0.1", now: start + .seconds(10))  // a new window
    }
}
