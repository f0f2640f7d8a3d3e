import Foundation
import NIOCore
@testable import SwitchboardServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Webhook signatures are made on event loops whose threads run at a lower priority: each of those threads, and no
/// other, has the nice value asked for.
@Suite struct LowPriorityThreadTests {
    #if os(Linux)
    /// The calling thread's nice value.
    static func niceness() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test func everyLoopRunsAtTheNicenessAskedForAndNoOtherThreadDoes() async throws {
        let before = Self.niceness()
        let group = LowPriorityThread.eventLoops(threads: 3, niceness: 7)
        var seen: [Int32] = []
        for loop in group.makeIterator() {
            seen.append(try await loop.submit { Self.niceness() }.get())
        }
        try await group.shutdownGracefully()
        #expect(seen == [7, 7, 7])
        #expect(Self.niceness() == before)
    }

    @Test func workOnTheLoopsRunsAndReturnsItsResult() async throws {
        let group = LowPriorityThread.eventLoops(threads: 2, niceness: 5)
        let sums = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for n in 1...8 {
                tasks.addTask { try await group.next().submit { (1...n).reduce(0, +) }.get() }
            }
            return try await tasks.reduce(into: [Int]()) { $0.append($1) }.sorted()
        }
        try await group.shutdownGracefully()
        #expect(sums == [1, 3, 6, 10, 15, 21, 28, 36])
    }
    #endif
}
