import PostgresNIO
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension PostgresConversationStore {
    public func insertScheduledMessage(_ message: Message, dueAt: Timestamp, held: WebhookEvent?, logger: Logger)
        async throws
    {
        let heldPayload = held.map { String(decoding: $0.payload, as: UTF8.self) }
        let scheduled: PostgresQuery = """
            INSERT INTO scheduled_sends (location_id, message_id, due_at, held_type, held_payload, held_recipient)
            VALUES (\(message.locationId.rawValue), \(message.id.rawValue), \(dueAt.rawValue), \(held?.type),
                \(heldPayload), \(held?.recipient))
            """
        // The message's conversation, row and summary (three statements), then its schedule.
        try await run("insertScheduledMessage", logger: logger, retries: 2, statements: 2 + 4) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await Self.storeMessages([message], on: connection, logger: logger)
                try await connection.query(scheduled, logger: logger)
            }
        }
    }

    public func earliestScheduledSend(logger: Logger) async throws -> Timestamp? {
        try await fetch("earliestScheduledSend", "SELECT MIN(due_at) FROM scheduled_sends", logger: logger) { row in
            try row.decode(Int64?.self)
        }.first?.map(Timestamp.init(rawValue:))
    }

    public func dueScheduledSends(at time: Timestamp, limit: Int, logger: Logger) async throws -> [ScheduledSend] {
        try await fetch(
            "dueScheduledSends",
            """
            SELECT location_id, message_id, due_at, held_type, held_payload, held_recipient FROM scheduled_sends
            WHERE due_at <= \(time.rawValue) ORDER BY due_at, location_id, message_id LIMIT \(limit)
            """, logger: logger
        ) { row in
            let (location, message, due, heldType, heldPayload, heldRecipient) =
                try row.decode((String, String, Int64, String?, String?, String?).self)
            return ScheduledSend(
                messageId: MessageID(rawValue: message), locationId: LocationID(rawValue: location),
                dueAt: Timestamp(rawValue: due),
                held: ScheduledSend.held(
                    type: heldType, payload: heldPayload, recipient: heldRecipient, in: LocationID(rawValue: location)))
        }
    }

    public func completeScheduledSend(_ send: ScheduledSend, status: String, at time: Timestamp, logger: Logger)
        async throws -> Message?
    {
        try await release(send.messageId, in: send.locationId, status: status, at: time, sending: send, logger: logger)
    }

    public func cancelScheduledSend(_ id: MessageID, in location: LocationID, at time: Timestamp, logger: Logger)
        async throws -> Message?
    {
        try await release(id, in: location, status: "cancelled", at: time, logger: logger)
    }

    /// Whoever deletes the schedule row sends (or cancels) the message: another instance finds nothing to do.
    /// `sending`: the send being completed, whose held event goes out with the message (none when it is cancelled).
    private func release(
        _ id: MessageID, in location: LocationID, status: String, at time: Timestamp, sending send: ScheduledSend? = nil,
        logger: Logger
    ) async throws -> Message? {
        try await run("releaseScheduledSend", logger: logger, statements: 8) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                let released = try await connection.fetch(
                    """
                    DELETE FROM scheduled_sends WHERE location_id = \(location.rawValue) AND message_id = \(id.rawValue)
                    RETURNING 1
                    """, logger: logger
                ) { _ in true }
                guard !released.isEmpty else { return nil }
                let message = try await Self.setStatus(
                    of: id, in: location, to: status, at: time, on: connection, logger: logger)
                if let message, let held = send?.heldEvent(sending: message, at: time) {
                    try await Self.announce([held], on: connection, logger: logger)
                }
                return message
            }
        }
    }
}
