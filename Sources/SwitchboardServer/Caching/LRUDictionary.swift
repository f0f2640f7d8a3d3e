/// A dictionary bounded by the number of its entries and by their total cost (bytes, for the caches that use it),
/// dropping the least recently used entries first. Every cache a client can fill goes through one of these, so no
/// sequence of requests grows memory past the bounds.
///
/// Entries form a doubly linked list threaded through an array (indices, not references), newest first, so lookups,
/// inserts and evictions are O(1) and allocate nothing once the array has grown.
struct LRUDictionary<Key: Hashable, Value> {
    fileprivate struct Node {
        var key: Key
        var value: Value
        var cost: Int
        var newer: Int
        var older: Int
    }

    private static var none: Int { -1 }

    let maximumCount: Int
    let maximumCost: Int
    private(set) var totalCost = 0
    private var positions: [Key: Int] = [:]
    private var nodes: [Node?] = []
    private var free: [Int] = []
    private var newest = Self.none
    private var oldest = Self.none

    init(maximumCount: Int, maximumCost: Int = .max) {
        precondition(maximumCount > 0 && maximumCost > 0)
        self.maximumCount = maximumCount
        self.maximumCost = maximumCost
    }

    var count: Int { positions.count }

    /// The value, marked as just used.
    mutating func value(forKey key: Key) -> Value? {
        guard let position = positions[key], let node = nodes[position] else { return nil }
        moveToFront(position)
        return node.value
    }

    /// The value, without changing the order of eviction.
    func peek(_ key: Key) -> Value? {
        positions[key].flatMap { nodes[$0]?.value }
    }

    /// Stores `value`, evicting the least recently used entries until both bounds hold, and returns what it evicted
    /// (a replaced value is not among them). A value costing more than `maximumCost` is not stored.
    @discardableResult
    mutating func insert(_ value: Value, forKey key: Key, cost: Int = 1) -> [(key: Key, value: Value)] {
        guard cost <= maximumCost else {
            removeValue(forKey: key)
            return []
        }
        if let position = positions[key], var node = nodes[position] {
            totalCost += cost - node.cost
            node.value = value
            node.cost = cost
            nodes[position] = node
            moveToFront(position)
        } else {
            let node = Node(key: key, value: value, cost: cost, newer: Self.none, older: Self.none)
            let position: Int
            if let reused = free.popLast() {
                position = reused
                nodes[position] = node
            } else {
                position = nodes.count
                nodes.append(node)
            }
            positions[key] = position
            totalCost += cost
            link(position)
        }
        var evicted: [(key: Key, value: Value)] = []
        while (positions.count > maximumCount || totalCost > maximumCost), oldest != Self.none,
            let node = nodes[oldest], node.key != key
        {
            evicted.append((node.key, node.value))
            removeValue(forKey: node.key)
        }
        return evicted
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        guard let position = positions.removeValue(forKey: key), let node = nodes[position] else { return nil }
        unlink(position)
        nodes[position] = nil
        free.append(position)
        totalCost -= node.cost
        return node.value
    }

    /// Drops the oldest entries while `shouldDrop` says so (for entries that expire in insertion order).
    mutating func removeOldest(while shouldDrop: (Value) -> Bool) {
        while oldest != Self.none, let node = nodes[oldest], shouldDrop(node.value) {
            removeValue(forKey: node.key)
        }
    }

    mutating func removeAll() {
        positions.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
        free.removeAll(keepingCapacity: true)
        newest = Self.none
        oldest = Self.none
        totalCost = 0
    }

    private mutating func moveToFront(_ position: Int) {
        guard position != newest else { return }
        unlink(position)
        link(position)
    }

    /// Puts the node at `position` in front, as the newest.
    private mutating func link(_ position: Int) {
        nodes[position]?.newer = Self.none
        nodes[position]?.older = newest
        if newest != Self.none { nodes[newest]?.newer = position }
        newest = position
        if oldest == Self.none { oldest = position }
    }

    private mutating func unlink(_ position: Int) {
        guard let node = nodes[position] else { return }
        if node.newer != Self.none { nodes[node.newer]?.older = node.older } else { newest = node.older }
        if node.older != Self.none { nodes[node.older]?.newer = node.newer } else { oldest = node.newer }
        nodes[position]?.newer = Self.none
        nodes[position]?.older = Self.none
    }
}

extension LRUDictionary: Sendable where Key: Sendable, Value: Sendable {}
extension LRUDictionary.Node: Sendable where Key: Sendable, Value: Sendable {}
