import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardStorage

/// Emails by their own ids (CONTRACT.md §5.2): read one, cancel a scheduled one, and a provider's delivery report
/// (v3's `update-email-message-status`). The records are written by the sends and inbound messages that make emails
/// (`MessageWritesController`, through `recordNewEmail`).
struct EmailController<Store: ConversationStore>: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp
    let events: EventAnnouncer

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/conversations/messages/email/:emailMessageId", use: get)
        router.delete("/conversations/messages/email/:emailMessageId/schedule", use: cancelScheduled)
        router.put("/conversations/messages/email/:emailMessageId/status", use: updateStatus)
    }

    /// The email with its message's fields, wrapped as HighLevel's clients read it (`res.emailMessage`).
    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesReadonly)
        let (email, message) = try await accessibleEmail(context, for: principal)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("emailMessage")
            json.email(email, of: message)
        }
    }

    /// As `cancel-scheduled-message`: the outcome in the body, HTTP 200 either way.
    @Sendable func cancelScheduled(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var cancelled = false
        if let (email, _) = try await emailInPath(context, for: principal),
            let updated = try await store.cancelScheduledSend(
                email.messageId, in: principal.locationId, at: now(), logger: context.logger)
        {
            cancelled = true
            events.announce([await store.messageEvent(updated, at: updated.dateUpdated, logger: context.logger)])
        }
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("status"); json.integer(cancelled ? 200 : 404)
            json.key("message")
            json.string(cancelled ? "Scheduled email cancelled successfully" : "Failed cancel the scheduled email")
        }
    }

    /// A provider's report: the message takes the status (and its webhook goes out), `events` counters are merged
    /// and `recipients` upserted (`EmailHeaders.reporting`). Only an email of a custom conversation provider can be
    /// reported on, as at HighLevel, where the others are its own.
    @Sendable func updateStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var body = try await RequestBody.read(request, context: context)
        let status = body.oneOf("status", ChannelVocabulary.reportableEmailStatus, required: true)
        var counters: [String: Int] = [:]
        if var events = body.object("events") {
            for name in EmailHeaders.eventNames.sorted() {
                if let count = events.integer(name, minimum: 0, maximum: 1_000_000_000) { counters[name] = count }
            }
            body.absorb(events, prefix: "events")
        }
        var recipients: [EmailRecipient] = []
        for (index, var recipient) in (body.objectArray("recipients", maxCount: 1_000) ?? []).enumerated() {
            let emailId = recipient.string("emailId", required: true, maxLength: 320)
            let recipientStatus = recipient.string("status", required: true, maxLength: 64)
            let failReason = recipient.string("failReason", maxLength: 1_024)
            body.absorb(recipient, prefix: "recipients.\(index)")
            if let emailId, let recipientStatus {
                recipients.append(EmailRecipient(emailId: emailId, status: recipientStatus, failReason: failReason))
            }
        }
        try body.validate()
        guard let status else { throw SwitchboardError.internalError }
        let (email, message) = try await accessibleEmail(context, for: principal)
        guard message.conversationProviderId != nil else {
            throw SwitchboardError.forbidden(
                "Only the conversation provider that sent an email can update its status; this email has none")
        }
        let headers = email.headers.reporting(status: status, events: counters, recipients: recipients)
        _ = try await store.updateEmailHeaders(email.id, in: email.locationId, to: headers, logger: context.logger)
        if let updated = try await store.updateMessageStatus(
            message.id, in: message.locationId, status: status, at: now(), logger: context.logger)
        {
            events.announce([await store.messageEvent(updated, at: updated.dateUpdated, logger: context.logger)])
        }
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("success"); json.bool(true)
            json.key("message"); json.string("Updated email message successfully")
        }
    }

    /// The caller's email named by the path and its message; another location's is a 403, an unknown one nil.
    private func emailInPath(_ context: AppRequestContext, for principal: Principal) async throws
        -> (EmailRecord, Message)?
    {
        let id = context.parameters.get("emailMessageId") ?? ""
        if EmailRecord.isPlausibleID(id) {
            if let email = try await store.email(id, in: principal.locationId, logger: context.logger),
                let message = try await store.message(email.messageId, in: principal.locationId, logger: context.logger)
            {
                return (email, message)
            }
            if let location = try await store.locationOfEmail(id, logger: context.logger) {
                try principal.requireAccess(to: location)
            }
        }
        return nil
    }

    /// As `emailInPath`, an unknown email a 404.
    private func accessibleEmail(_ context: AppRequestContext, for principal: Principal) async throws
        -> (EmailRecord, Message)
    {
        guard let found = try await emailInPath(context, for: principal) else {
            throw SwitchboardError.notFound("Email message not found")
        }
        return found
    }
}

extension EmailRecord {
    /// Ids are looked up only when they could be one (imported ones are not always HighLevel's 20 characters).
    static func isPlausibleID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128
    }
}

extension EmailStore {
    /// A stored message's event, for the live stream, with its email's fields when it is an email with a record (as
    /// the store wrote it to the outbox). The write is done: a failed lookup leaves the fields out, not the event.
    func messageEvent(_ message: Message, at time: Timestamp, logger: Logger) async -> WebhookEvent {
        guard let id = message.emailMessageIds?.first, EmailRecord.isPlausibleID(id) else {
            return .message(message, at: time)
        }
        return .message(message, at: time, email: (try? await email(id, in: message.locationId, logger: logger)) ?? nil)
    }

    /// Stores the record of a new email, the message `message` of `conversation`, before its message (see
    /// `EmailStore`): an id of its own, and the thread of `earlier` (an email of the location, named by its id or by
    /// its thread's, which is its first email's id) when there is one; otherwise a thread of its own, named by its id.
    func recordNewEmail(
        message: MessageID, of conversation: ConversationID, in location: LocationID, answering earlier: String?,
        headers: EmailHeaders, logger: Logger
    ) async throws -> EmailRecord {
        let id = MessageID.generate().rawValue
        var headers = headers
        var thread = id
        if let earlier, EmailRecord.isPlausibleID(earlier),
            let original = try await email(earlier, in: location, logger: logger)
        {
            thread = original.threadId
            headers.replyToMessageId = headers.replyToMessageId ?? original.id
        }
        let record = EmailRecord(
            id: id, locationId: location, conversationId: conversation, messageId: message, threadId: thread,
            headers: headers)
        try await insertEmail(record, logger: logger)
        return record
    }
}

extension JSONWriter {
    /// `GetEmailMessageResponseDto`, with `messageId` (the conversation message), `events` and `recipients` besides.
    mutating func email(_ email: EmailRecord, of message: Message) {
        beginObject()
        key("id"); string(email.id)
        if let altId = message.altId { key("altId"); string(altId) }
        key("threadId"); string(email.threadId)
        key("locationId"); string(email.locationId.rawValue)
        key("contactId"); string(message.contactId.rawValue)
        key("conversationId"); string(email.conversationId.rawValue)
        key("messageId"); string(message.id.rawValue)
        key("dateAdded"); timestamp(message.dateAdded)
        if let subject = email.headers.subject { key("subject"); string(subject) }
        key("body"); string(message.body ?? "")
        key("direction"); string((message.direction ?? .outbound).rawValue)
        if let status = message.status { key("status"); string(status) }
        key("contentType"); string(message.contentType ?? "text/html")
        key("attachments"); stringArray(message.attachments ?? [])
        key("provider"); string(email.headers.provider)
        key("from"); string(email.headers.from)
        key("to"); stringArray(email.headers.to)
        key("cc"); stringArray(email.headers.cc)
        key("bcc"); stringArray(email.headers.bcc)
        if let reply = email.headers.replyToMessageId { key("replyToMessageId"); string(reply) }
        if let source = message.source { key("source"); string(source) }
        if let provider = message.conversationProviderId { key("conversationProviderId"); string(provider) }
        key("events")
        beginObject()
        for (name, count) in email.headers.events.sorted(by: { $0.key < $1.key }) {
            dynamicKey(name); integer(count)
        }
        endObject()
        key("recipients")
        beginArray()
        for recipient in email.headers.recipients {
            beginObject()
            key("emailId"); string(recipient.emailId)
            key("status"); string(recipient.status)
            if let reason = recipient.failReason { key("failReason"); string(reason) }
            endObject()
        }
        endArray()
        endObject()
    }
}
