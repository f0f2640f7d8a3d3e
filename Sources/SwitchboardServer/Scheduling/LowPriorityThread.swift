import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One-time work that should not slow the server's start or its first answers: the webhook keys of a first start
/// (an RSA prime search) and the OpenAPI document's conversion. Each runs on a thread of its own at a lower
/// scheduling priority (nice 5), so the server's own threads come first: on two cores an in-memory server answered
/// its first request in 46–54 ms with both beside it at the same priority, 41–46 ms at nice 5. Not the lowest
/// priority: on a machine kept busy (a test suite's servers), deliveries wait for these keys, and at nice 19 the
/// prime search would get a fiftieth of a core.
enum LowPriorityThread {
    static let niceness: Int32 = 5

    static func run(_ work: @escaping @Sendable () -> Void) {
        Thread.detachNewThread {
            lowerThisThread(to: niceness)
            work()
        }
    }

    /// Event loops whose threads run at `niceness`: work the server does beside its answers (signing webhook
    /// deliveries), on threads the scheduler serves after the ones that answer requests. A lower priority is not
    /// starvation: Linux weighs a thread at nice 5 about a third of one at nice 0 on a contended core, and gives it
    /// all of an idle one.
    static func eventLoops(threads: Int, niceness: Int32) -> MultiThreadedEventLoopGroup {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        for loop in group.makeIterator() {
            loop.execute { lowerThisThread(to: niceness) }
        }
        return group
    }

    private static func lowerThisThread(to niceness: Int32) {
        #if os(Linux)
        // A nice value is a thread's own on Linux: this lowers the calling thread and no other.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
