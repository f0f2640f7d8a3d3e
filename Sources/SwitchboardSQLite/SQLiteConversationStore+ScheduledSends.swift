import GRDB
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension SQLiteConversationStore {
    public func insertScheduledMessage(_ message: Message, dueAt: Timestamp, held: WebhookEvent?, logger: Logger)
        async throws
    {
        try await write { db in
            try Self.store([message], events: [], db: db)
            try db.execute(
                sql: """
                    INSERT INTO scheduled_sends (location_id, message_id, due_at, held_type, held_payload, held_recipient)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    message.locationId.rawValue, message.id.rawValue, dueAt.rawValue, held?.type,
                    held.map { String(decoding: $0.payload, as: UTF8.self) }, held?.recipient,
                ])
        }
    }

    public func earliestScheduledSend(logger: Logger) async throws -> Timestamp? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(due_at) FROM scheduled_sends").map(Timestamp.init(rawValue:))
        }
    }

    public func dueScheduledSends(at time: Timestamp, limit: Int, logger: Logger) async throws -> [ScheduledSend] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT location_id, message_id, due_at, held_type, held_payload, held_recipient FROM scheduled_sends
                    WHERE due_at <= ? ORDER BY due_at, location_id, message_id LIMIT ?
                    """,
                arguments: [time.rawValue, limit]
            ).map { row in
                let location = LocationID(rawValue: row[0])
                return ScheduledSend(
                    messageId: MessageID(rawValue: row[1]), locationId: location, dueAt: Timestamp(rawValue: row[2]),
                    held: ScheduledSend.held(type: row[3], payload: row[4], recipient: row[5], in: location))
            }
        }
    }

    public func completeScheduledSend(_ send: ScheduledSend, status: String, at time: Timestamp, logger: Logger)
        async throws -> Message?
    {
        try await release(send.messageId, in: send.locationId, status: status, at: time, sending: send)
    }

    public func cancelScheduledSend(_ id: MessageID, in location: LocationID, at time: Timestamp, logger: Logger)
        async throws -> Message?
    {
        try await release(id, in: location, status: "cancelled", at: time)
    }

    /// Whoever deletes the schedule row sends (or cancels) the message: the other finds nothing to do.
    /// `sending`: the send being completed, whose held event goes out with the message (none when it is cancelled).
    private func release(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, sending send: ScheduledSend? = nil
    ) async throws -> Message? {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM scheduled_sends WHERE location_id = ? AND message_id = ?",
                arguments: [location.rawValue, id.rawValue])
            guard db.changesCount == 1 else { return nil }
            let message = try Self.setStatus(of: id, in: location, to: status, at: time, db: db)
            if let message, let held = send?.heldEvent(sending: message, at: time) { try Self.enqueue([held], db: db) }
            return message
        }
    }
}
