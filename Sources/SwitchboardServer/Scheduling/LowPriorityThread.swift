import Foundation

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
            #if os(Linux)
            // A nice value is a thread's own on Linux: this lowers this thread and no other.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            #endif
            work()
        }
    }
}
