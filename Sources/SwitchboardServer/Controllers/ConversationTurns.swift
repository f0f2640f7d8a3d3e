import SwitchboardStorage
import SwitchboardCore

/// One message write at a time per conversation, first come, first served.
///
/// A message is stamped (`dateAdded`) and committed inside its turn, so within one server the order messages become
/// visible in is the order of their stamps, which is the page order. Without it, a write stamped earlier could commit
/// after one stamped later, behind a reader that had already paged past that point: the reader would skip it. SQLite's
/// single writer made that window tiny; PostgreSQL's concurrent transactions made it common.
final class ConversationTurns: Sendable {
    private struct Key: Hashable {
        var location: LocationID
        var conversation: ConversationID
    }

    /// Conversations with a write in progress, and who is waiting for each, in arrival order.
    private let waiting = Locked<[Key: [CheckedContinuation<Void, Never>]]>([:])

    func inTurn<T>(
        for conversation: ConversationID, in location: LocationID, _ body: () async throws -> T
    ) async rethrows -> T {
        let key = Key(location: location, conversation: conversation)
        await take(key)
        defer { pass(key) }
        return try await body()
    }

    private func take(_ key: Key) async {
        // Free: taken at once, without suspending.
        let taken = waiting.withLock { waiting in
            guard waiting[key] == nil else { return false }
            waiting[key] = []
            return true
        }
        if taken { return }
        await withCheckedContinuation { continuation in
            let now = waiting.withLock { waiting in
                // Passed on while this task was getting ready to wait.
                guard waiting[key] != nil else {
                    waiting[key] = []
                    return true
                }
                waiting[key]?.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the turn to the first in line, or frees the conversation.
    private func pass(_ key: Key) {
        let next = waiting.withLock { waiting -> CheckedContinuation<Void, Never>? in
            guard var line = waiting[key], !line.isEmpty else {
                waiting[key] = nil
                return nil
            }
            let first = line.removeFirst()
            waiting[key] = line
            return first
        }
        next?.resume()
    }
}
