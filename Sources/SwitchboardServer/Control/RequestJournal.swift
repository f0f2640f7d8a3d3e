import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// The requests the server received, newest last, for `GET /_switchboard/requests`: what a test asserts its code
/// called (WireMock's request journal). Bounded: the last `capacity` requests, each path cut at `longestPath`
/// bytes, so no traffic grows it past a few megabytes. Control requests are not recorded.
final class RequestJournal: Sendable {
    struct Entry: Sendable {
        var method: String
        /// As requested, with its query.
        var path: String
        var status: Int
        var location: LocationID?
        var time: Timestamp
    }

    static let longestPath = 2_048
    let capacity: Int
    private let now: @Sendable () -> Timestamp
    private let entries: Mutex<Ring>

    private struct Ring {
        var items: [Entry] = []
        /// Where the next entry goes once the ring is full.
        var next = 0
    }

    init(capacity: Int = 10_000, now: @escaping @Sendable () -> Timestamp) {
        self.capacity = capacity
        self.now = now
        entries = Mutex(Ring())
    }

    func record(method: String, path: some StringProtocol, status: Int, location: LocationID?) {
        let path = path.utf8.count <= Self.longestPath ? String(path) : String(decoding: path.utf8.prefix(Self.longestPath), as: UTF8.self)
        let entry = Entry(method: method, path: path, status: status, location: location, time: now())
        entries.withLock { ring in
            if ring.items.count < capacity {
                ring.items.append(entry)
            } else {
                ring.items[ring.next] = entry
                ring.next = (ring.next + 1) % capacity
            }
        }
    }

    /// The recorded requests at or after `since` (all when nil), oldest first.
    func entries(since: Timestamp?) -> [Entry] {
        let ordered = entries.withLock { ring in Array(ring.items[ring.next...] + ring.items[..<ring.next]) }
        guard let since else { return ordered }
        return ordered.filter { $0.time >= since }
    }

    func removeAll() {
        entries.withLock { $0 = Ring() }
    }
}

/// Notes the inner middleware leaves for the outer one about a request: which location it was made for, once the
/// API middleware knows. Made per request only while the journal is on.
final class RequestNote: Sendable {
    private let stored = Mutex<LocationID?>(nil)

    var location: LocationID? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
