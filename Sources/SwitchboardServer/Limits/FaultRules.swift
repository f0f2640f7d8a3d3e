import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// One fault set at run time through `POST /_switchboard/faults`: requests to `route` (every API route when nil) of
/// `location` (every location when nil) answer `status`, each with probability `rate`, `count` times (until cleared
/// when nil).
struct FaultRule: Sendable, Hashable {
    /// The statuses a rule can answer with, as HighLevel answers them: 429 with rate-limit headers, and 503, the
    /// outage a client should retry (every API operation documents both).
    static let statuses: Set<Int> = [429, 503]

    var id: String
    var route: String?
    var location: LocationID?
    var status: Int
    var rate: Double
    /// Faults still to answer; nil: no end.
    var remaining: Int?
}

/// The faults set at run time, checked by the API middleware after authentication, in the order they were added.
/// While any is set, the hot path stands aside so that every request passes here.
final class FaultRules: Sendable {
    private struct State {
        var rules: [FaultRule] = []
        var generator: SeededGenerator
        var nextId = 1
    }

    private let state: Mutex<State>
    private let ruleCount = Atomic<Int>(0)

    init(seed: UInt64) {
        state = Mutex(State(generator: SeededGenerator(seed: seed)))
    }

    /// Whether any rule is set: one atomic load, for the hot path.
    var isEmpty: Bool { ruleCount.load(ordering: .relaxed) == 0 }

    func add(route: String?, location: LocationID?, status: Int, rate: Double, count: Int?) -> FaultRule {
        state.withLock { state in
            let rule = FaultRule(
                id: "fault_\(state.nextId)", route: route, location: location, status: status, rate: rate,
                remaining: count)
            state.nextId += 1
            state.rules.append(rule)
            ruleCount.store(state.rules.count, ordering: .relaxed)
            return rule
        }
    }

    var all: [FaultRule] { state.withLock { $0.rules } }

    /// Removes every rule; returns how many there were.
    func removeAll() -> Int {
        state.withLock { state in
            defer {
                state.rules = []
                ruleCount.store(0, ordering: .relaxed)
            }
            return state.rules.count
        }
    }

    /// The status a request to `route` of `location` answers with, if a rule fires for it (which counts it).
    func draw(route: String, location: LocationID) -> Int? {
        guard !isEmpty else { return nil }
        return state.withLock { state in
            for index in state.rules.indices {
                let rule = state.rules[index]
                guard rule.route == nil || rule.route == route, rule.location == nil || rule.location == location
                else { continue }
                let roll = Double(state.generator.next() >> 11) / Double(1 << 53)
                guard roll < rule.rate else { continue }
                if let remaining = rule.remaining {
                    if remaining <= 1 {
                        state.rules.remove(at: index)
                        ruleCount.store(state.rules.count, ordering: .relaxed)
                    } else {
                        state.rules[index].remaining = remaining - 1
                    }
                }
                return rule.status
            }
            return nil
        }
    }
}
