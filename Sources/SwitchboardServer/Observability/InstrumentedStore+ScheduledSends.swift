import CoreMetrics
import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func insertScheduledMessage(_ message: Message, dueAt: Timestamp, held: WebhookEvent?, logger: Logger) async throws {
        try await measure("insertScheduledMessage") {
            try await base.insertScheduledMessage(message, dueAt: dueAt, held: held, logger: logger)
        }
        writes.invalidate([message.conversationId])
        metrics.messagesStored.increment(by: 1)
    }
    func earliestScheduledSend(logger: Logger) async throws -> Timestamp? {
        try await measure("earliestScheduledSend") { try await base.earliestScheduledSend(logger: logger) }
    }

    func dueScheduledSends(at time: Timestamp, limit: Int, logger: Logger) async throws -> [ScheduledSend] {
        try await measure("dueScheduledSends") { try await base.dueScheduledSends(at: time, limit: limit, logger: logger) }
    }
    func completeScheduledSend(_ send: ScheduledSend, status: String, at time: Timestamp, logger: Logger) async throws
        -> Message?
    {
        let message = try await measure("completeScheduledSend") {
            try await base.completeScheduledSend(send, status: status, at: time, logger: logger)
        }
        if let message { writes.invalidate([message.conversationId]) }
        return message
    }
    func cancelScheduledSend(_ id: MessageID, in location: LocationID, at time: Timestamp, logger: Logger) async throws
        -> Message?
    {
        let message = try await measure("cancelScheduledSend") {
            try await base.cancelScheduledSend(id, in: location, at: time, logger: logger)
        }
        if let message { writes.invalidate([message.conversationId]) }
        return message
    }
}
