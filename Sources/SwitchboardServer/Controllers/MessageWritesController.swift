import Hummingbird
import Logging
import SwitchboardCore
import SwitchboardStorage

/// Messages going in and changing: send, inbound, outbound call, review reply, status, scheduled cancel
/// (CONTRACT.md §5.2).
struct MessageWritesController<Store: ConversationStore>: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp
    /// Told of each stored message's event: the webhook dispatcher then delivers it, live listeners get it.
    let events: EventAnnouncer
    let turns = ConversationTurns()

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.post("/conversations/messages", use: send)
        router.post("/conversations/messages/inbound", use: inbound)
        router.post("/conversations/messages/outbound", use: outbound)
        router.post("/conversations/messages/review-reply", use: reviewReply)
        router.put("/conversations/messages/:messageId/status", use: updateStatus)
        router.delete("/conversations/messages/:messageId/schedule", use: cancelScheduled)
    }

    /// Send: creates the contact's conversation when there is none. HighLevel answers 201 and does not require
    /// `status` or `subType` in practice (CONTRACT.md §5.2), so neither is required here.
    @Sendable func send(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var body = try await RequestBody.read(request, context: context)
        let type = body.oneOf("type", ChannelVocabulary.send, required: true)
        let contactId = body.string("contactId", required: true).map(ContactID.init(rawValue:))
        let text = body.string("message")
        let html = body.string("html")
        let subject = body.string("subject")
        let attachments = body.stringArray("attachments", maxCount: 20)
        let status = body.oneOf("status", ChannelVocabulary.settableStatus)
        let scheduled = body.integer("scheduledTimestamp", minimum: 0, maximum: 253_402_300_799)
        let providerId = body.string("conversationProviderId")
        let emailFrom = body.string("emailFrom")
        let emailTo = body.string("emailTo")
        let threadId = body.string("threadId")
        let replyMessageId = body.string("replyMessageId")
        let emailCc = body.stringArray("emailCc")
        let emailBcc = body.stringArray("emailBcc")
        _ = body.oneOf("emailReplyMode", ["reply": (), "reply_all": ()])
        let customSubtypeId = body.string("customSubtypeId", maxLength: 256)
        try body.validate()
        guard let type, let contactId else { throw SwitchboardError.internalError }
        let messageType = ChannelVocabulary.resolveCustom(type, subject: subject, html: html)
        let isEmail = messageType.isEmail
        let content = isEmail ? (html ?? text) : text
        if content == nil && attachments == nil {
            throw ValidationFailure(isEmail ? "html should not be empty" : "message should not be empty")
        }
        let contact = try await store.accessibleContact(contactId, for: principal, logger: context.logger)
        try await store.requireSendPermission(
            to: contact, on: DndChannel(sending: messageType), emailTo: emailTo ?? contact.email, isEmail: isEmail, customSubtypeId: customSubtypeId,
            logger: context.logger)
        let conversationId = try await store.conversation(forContact: contact.id, in: principal.locationId, logger: context.logger)?.id
            ?? .generate()
        let messageId = MessageID.generate()
        // A custom provider of the channel (the one named, or the location's default) is sent the message to deliver;
        // it stays `pending` until the provider reports its status.
        let provider = try await customProvider(named: providerId, for: messageType, in: principal.locationId, logger: context.logger)
        // An email's own record goes first (see `EmailStore`); a `threadId` of the location's continues that thread.
        var email: EmailRecord?
        if isEmail {
            let headers = EmailHeaders(
                subject: subject, from: emailFrom ?? EmailHeaders.defaultFrom, to: (emailTo ?? contact.email).map { [$0] } ?? [],
                cc: emailCc ?? [], bcc: emailBcc ?? [], replyToMessageId: replyMessageId,
                provider: provider == nil ? EmailHeaders.switchboardProvider : EmailHeaders.customProvider)
            email = try await store.recordNewEmail(
                message: messageId, of: conversationId, in: principal.locationId, answering: threadId, headers: headers,
                logger: context.logger)
        }
        let providerEmail = email.map {
            ProviderOutboundEvent.Email(messageId: $0.id, subject: subject, from: emailFrom, to: $0.headers.to)
        }
        // `scheduledTimestamp` is in seconds; a time already past sends at once.
        let dueAt = scheduled.map { Timestamp(rawValue: Int64($0) * 1000) }
        let message = try await insert(
            into: conversationId, in: principal.locationId, dueAt: dueAt, email: email, logger: context.logger,
            alsoAnnouncing: { message, time in
                provider.map { [.providerOutbound(message, through: $0, phone: contact.phone, email: providerEmail, at: time)] } ?? []
            }
        ) { time in
            Message(
                id: messageId, conversationId: conversationId, locationId: principal.locationId, contactId: contact.id,
                messageType: messageType, direction: .outbound,
                status: dueAt.map { $0 > time } == true ? "scheduled" : (status ?? (provider == nil ? "delivered" : "pending")),
                body: content, contentType: html != nil ? "text/html" : "text/plain", dateAdded: time, source: "api",
                attachments: attachments, emailMessageIds: email.map { [$0.id] },
                conversationProviderId: provider?.id ?? providerId)
        }
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("conversationId"); json.string(conversationId.rawValue)
            json.key("messageId"); json.string(message.id.rawValue)
            if let email {
                json.key("emailMessageId"); json.string(email.id)
                json.key("threadId"); json.string(email.threadId)
                json.key("msg")
                json.string(message.status == "scheduled" ? "Email scheduled successfully." : "Email queued successfully.")
            }
        }
    }

    /// The location's custom provider a send of `type` goes through (see `ConversationProvider.chosen`); nil for
    /// channels no custom provider serves (those read nothing).
    private func customProvider(named id: String?, for type: MessageType, in location: LocationID, logger: Logger)
        async throws -> ConversationProvider?
    {
        let channel: ConversationProvider.Channel
        switch type {
        case .sms: channel = .sms
        case .email: channel = .email
        default: return nil
        }
        return ConversationProvider.chosen(
            named: id, for: channel, among: try await store.providers(in: location, logger: logger))
    }

    /// Inbound (and imported) messages: `date` is honoured so history keeps its timestamps.
    @Sendable func inbound(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var body = try await RequestBody.read(request, context: context)
        let type = body.oneOf("type", ChannelVocabulary.inbound, required: true)
        let fields = ProcessedMessageFields(&body, requireContact: true)
        let subject = body.string("subject")
        let html = body.string("html")
        let text = body.string("message")
        let direction = body.oneOf("direction", ChannelVocabulary.direction)
        let answering = body.string("emailMessageId")
        let emailFrom = body.string("emailFrom")
        let emailTo = body.string("emailTo")
        let emailCc = body.stringArray("emailCc")
        let emailBcc = body.stringArray("emailBcc")
        let transcription = TranscriptionField.read(&body)
        if transcription != nil, type?.isCall == false { body.rejectField("transcription is for calls only") }
        try body.validate()
        guard let type else { throw SwitchboardError.internalError }
        let messageType = ChannelVocabulary.resolveCustom(type, subject: subject, html: html)
        let conversation = try await fields.conversation(in: store, for: principal, logger: context.logger)
        let isEmail = messageType.isEmail
        let messageId = MessageID.generate()
        try await storeTranscription(transcription, of: messageId, in: conversation, logger: context.logger)
        // Every email has its own id; one naming an earlier email (`emailMessageId`) joins that email's thread.
        var email: EmailRecord?
        if isEmail {
            let contact = try await store.contact(conversation.contactId, in: conversation.locationId, logger: context.logger)
            let headers = EmailHeaders(
                subject: subject, from: emailFrom ?? contact?.email ?? "", to: emailTo.map { [$0] } ?? [],
                cc: emailCc ?? [], bcc: emailBcc ?? [],
                provider: fields.conversationProviderId == nil ? EmailHeaders.switchboardProvider : EmailHeaders.customProvider)
            email = try await store.recordNewEmail(
                message: messageId, of: conversation.id, in: conversation.locationId, answering: answering,
                headers: headers, logger: context.logger)
        }
        let message = try await insert(
            into: conversation.id, in: conversation.locationId, email: email, logger: context.logger
        ) { time in
            fields.message(
                messageId, in: conversation, type: messageType, direction: direction ?? .inbound, now: time,
                body: isEmail ? (html ?? text) : text, contentType: html != nil ? "text/html" : "text/plain",
                emailMessageIds: email.map { [$0.id] })
        }
        return processedResponse(message, traceId: context.traceId)
    }

    /// An external outbound call.
    @Sendable func outbound(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var body = try await RequestBody.read(request, context: context)
        let type = body.oneOf("type", ChannelVocabulary.outbound, required: true)
        let fields = ProcessedMessageFields(&body, requireContact: false)
        let transcription = TranscriptionField.read(&body)
        try body.validate()
        guard let type else { throw SwitchboardError.internalError }
        let conversation = try await fields.conversation(in: store, for: principal, logger: context.logger)
        let messageId = MessageID.generate()
        try await storeTranscription(transcription, of: messageId, in: conversation, logger: context.logger)
        let message = try await insert(into: conversation.id, in: conversation.locationId, logger: context.logger) { time in
            fields.message(
                messageId, in: conversation, type: type, direction: .outbound, now: time, body: nil, contentType: nil,
                emailMessageIds: nil)
        }
        return processedResponse(message, traceId: context.traceId)
    }

    /// A reply to a Google review (`send-review-reply`, marked internal-only in HighLevel's v3 document): stored as
    /// the conversation's outbound GMB message, with its `OutboundMessage` webhook, and answered as a send is.
    @Sendable func reviewReply(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        var body = try await RequestBody.read(request, context: context)
        let conversationId = body.string("conversationId", required: true).map(ConversationID.init(rawValue:))
        let location = body.string("locationId", required: true)
        let text = body.string("message", required: true)
        try body.validate()
        try principal.requireAccess(toLocationNamed: location)
        guard let conversationId, let text else { throw SwitchboardError.internalError }
        let conversation = try await store.accessibleConversation(conversationId, for: principal, logger: context.logger)
        let message = try await insert(into: conversation.id, in: conversation.locationId, logger: context.logger) { time in
            Message(
                id: .generate(), conversationId: conversation.id, locationId: conversation.locationId,
                contactId: conversation.contactId, messageType: .gmb, direction: .outbound, status: "delivered",
                body: text, contentType: "text/plain", dateAdded: time, source: "api")
        }
        return JSONResponse.make(status: .created, traceId: context.traceId) { json in
            json.key("conversationId"); json.string(message.conversationId.rawValue)
            json.key("messageId"); json.string(message.id.rawValue)
        }
    }

    /// A call's transcription goes before its message, as an email's record does (see `CallMediaStore`).
    private func storeTranscription(
        _ sentences: [TranscriptSentence]?, of message: MessageID, in conversation: Conversation, logger: Logger
    ) async throws {
        guard let sentences else { return }
        try await store.setTranscription(
            CallTranscription(
                locationId: conversation.locationId, conversationId: conversation.id, messageId: message,
                sentences: sentences),
            logger: logger)
    }

    private func processedResponse(_ message: Message, traceId: String) -> Response {
        JSONResponse.make(status: .created, traceId: traceId) { json in
            json.key("success"); json.bool(true)
            json.key("conversationId"); json.string(message.conversationId.rawValue)
            json.key("messageId"); json.string(message.id.rawValue)
            json.key("message"); json.string("Message added successfully")
            json.key("contactId"); json.string(message.contactId.rawValue)
            json.key("dateAdded"); json.timestamp(message.dateAdded)
            if let emailMessageId = message.emailMessageIds?.first {
                json.key("emailMessageId"); json.string(emailMessageId)
            }
        }
    }

    @Sendable func updateStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        let id = MessageID(rawValue: context.parameters.get("messageId") ?? "")
        var body = try await RequestBody.read(request, context: context)
        let status = body.oneOf("status", ChannelVocabulary.settableStatus, required: true)
        if var error = body.object("error") {
            _ = error.string("code", required: true)
            _ = error.string("type", required: true)
            _ = error.string("message", required: true)
            body.absorb(error, prefix: "error")
        }
        _ = body.string("emailMessageId")
        try body.validate()
        guard let status else { throw SwitchboardError.internalError }
        guard id.isPlausible,
            let message = try await store.updateMessageStatus(
                id, in: principal.locationId, status: status, at: now(), logger: context.logger)
        else {
            try await store.requireNoOtherLocationHas(id, for: principal, logger: context.logger)
            throw SwitchboardError.notFound("Message not found")
        }
        events.announce([await store.messageEvent(message, at: message.dateUpdated, logger: context.logger)])
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("conversationId"); json.string(message.conversationId.rawValue)
            json.key("messageId"); json.string(message.id.rawValue)
            json.key("status"); json.string(status)
        }
    }

    /// HighLevel reports the outcome in the body with HTTP 200 (`{"status":404,"message":…}` when nothing was
    /// scheduled), as its DTO example shows. A cancelled message keeps its place with status `cancelled`, and is
    /// never sent.
    @Sendable func cancelScheduled(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesWrite)
        let id = MessageID(rawValue: context.parameters.get("messageId") ?? "")
        var cancelled = false
        if id.isPlausible,
            let updated = try await store.cancelScheduledSend(id, in: principal.locationId, at: now(), logger: context.logger)
        {
            cancelled = true
            events.announce([await store.messageEvent(updated, at: updated.dateUpdated, logger: context.logger)])
        } else {
            try await store.requireNoOtherLocationHas(id, for: principal, logger: context.logger)
        }
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("status"); json.integer(cancelled ? 200 : 404)
            json.key("message")
            json.string(cancelled ? "Scheduled message cancelled successfully" : "Failed cancel the scheduled message")
        }
    }

    /// Stamps the message made by `make` with the time and stores it, in the conversation's turn
    /// (`ConversationTurns`): committed before the next message of the conversation is stamped.
    /// A message due later (`dueAt`) is stored without its event, which goes out when it is sent (`ScheduledSender`).
    /// `alsoAnnouncing`: events the message causes besides its own (a provider's `ProviderOutboundMessage`).
    private func insert(
        into conversation: ConversationID, in location: LocationID, dueAt: Timestamp? = nil, email: EmailRecord? = nil,
        logger: Logger, alsoAnnouncing more: (Message, Timestamp) -> [WebhookEvent] = { _, _ in [] },
        _ make: (Timestamp) -> Message
    ) async throws -> Message {
        try await turns.inTurn(for: conversation, in: location) {
            let time = now()
            let message = make(time)
            do {
                if let dueAt, dueAt > time {
                    // A provider's hand-off is made now, while the send's fields are at hand, and held until then.
                    try await store.insertScheduledMessage(
                        message, dueAt: dueAt, held: more(message, time).first, logger: logger)
                    return message
                }
                let stored: [WebhookEvent] = [.message(message, at: time, email: email)] + more(message, time)
                try await store.insertMessages([message], events: stored, logger: logger)
                events.announce(stored)
            } catch StoreError.duplicate {
                // Only a contact that gained a conversation concurrently can get here; the client may retry.
                throw SwitchboardError.badRequest("Conversation with the contact id:\(message.contactId) already exists!")
            }
            return message
        }
    }
}

/// The fields inbound and outbound share (`ProcessMessageBodyDto`).
struct ProcessedMessageFields {
    let conversationId: ConversationID?
    let contactId: ContactID?
    let altId: String?
    let date: Timestamp?
    let attachments: [String]?
    let conversationProviderId: String?
    let call: CallDetails?

    init(_ body: inout RequestBody, requireContact: Bool) {
        conversationId = body.string("conversationId", required: true).map(ConversationID.init(rawValue:))
        contactId = body.string("contactId", required: requireContact).map(ContactID.init(rawValue:))
        // Documented as required, but HighLevel accepts messages without it (CONTRACT.md §5.2, I70).
        conversationProviderId = body.string("conversationProviderId")
        altId = body.string("altId", maxLength: 256)
        date = body.date("date")
        attachments = body.stringArray("attachments", maxCount: 20)
        if var call = body.object("call") {
            _ = call.string("to")
            _ = call.string("from")
            let status = call.oneOf("status", ChannelVocabulary.callStatus)
            let duration = call.integer("duration", minimum: 0)
            body.absorb(call, prefix: "call")
            self.call = CallDetails(duration: duration, status: status)
        } else {
            call = nil
        }
    }

    func conversation<Store: ConversationStore>(in store: Store, for principal: Principal, logger: Logger) async throws
        -> Conversation
    {
        guard let conversationId else { throw SwitchboardError.internalError }
        let conversation = try await store.accessibleConversation(conversationId, for: principal, logger: logger)
        if let contactId, contactId != conversation.contactId {
            throw SwitchboardError.badRequest("Contact with id \(contactId.rawValue.prefix(64)) does not belong to this conversation")
        }
        return conversation
    }

    func message(
        _ id: MessageID, in conversation: Conversation, type: MessageType, direction: MessageDirection, now: Timestamp, body: String?,
        contentType: String?, emailMessageIds: [String]?
    ) -> Message {
        let time = date ?? now
        let status = type.isCall ? (call?.status ?? "completed") : "delivered"
        return Message(
            id: id, conversationId: conversation.id, locationId: conversation.locationId,
            contactId: conversation.contactId, messageType: type, direction: direction, status: status, body: body,
            contentType: type.isCall ? nil : contentType, dateAdded: time, dateUpdated: time, source: "api",
            altId: altId, attachments: attachments, call: type.isCall ? (call ?? CallDetails(status: status)) : call,
            emailMessageIds: emailMessageIds, conversationProviderId: conversationProviderId)
    }
}
