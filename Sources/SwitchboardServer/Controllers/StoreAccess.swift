import Logging
import SwitchboardCore
import SwitchboardStorage

/// Resource lookups with HighLevel's answers for "missing" and "not yours", shared by every controller.
extension ConversationStore {
    /// The caller's conversation, or 400 for an unknown one (CONTRACT.md §11 Q6) and 403 for another location's (Q7).
    func accessibleConversation(_ id: ConversationID, for principal: Principal, logger: Logger) async throws
        -> Conversation
    {
        guard id.isPlausible else { throw SwitchboardError.conversationNotFound(id) }
        if let conversation = try await conversation(id, in: principal.locationId, logger: logger) {
            return conversation
        }
        if let location = try await locationOfConversation(id, logger: logger) {
            try principal.requireAccess(to: location)
        }
        throw SwitchboardError.conversationNotFound(id)
    }

    /// The caller's contact; another location's is a 403, an unknown one a 400 "Contact with id … not found".
    func accessibleContact(_ id: ContactID, for principal: Principal, logger: Logger) async throws -> Contact {
        if id.isPlausible {
            if let contact = try await contact(id, in: principal.locationId, logger: logger) { return contact }
            if let location = try await locationOfContact(id, logger: logger) { try principal.requireAccess(to: location) }
        }
        throw SwitchboardError.badRequest("Contact with id \(id.rawValue.prefix(64)) not found")
    }

    /// The caller's message; another location's is a 403, an unknown one a 404 "Message not found".
    func accessibleMessage(_ id: MessageID, for principal: Principal, logger: Logger) async throws -> Message {
        if id.isPlausible, let message = try await message(id, in: principal.locationId, logger: logger) { return message }
        try await requireNoOtherLocationHas(id, for: principal, logger: logger)
        throw SwitchboardError.notFound("Message not found")
    }

    /// For a message id the caller's location does not have: a 403 when another location has it.
    func requireNoOtherLocationHas(_ id: MessageID, for principal: Principal, logger: Logger) async throws {
        guard id.isPlausible, let location = try await locationOfMessage(id, logger: logger) else { return }
        try principal.requireAccess(to: location)
    }
}

extension Principal {
    /// A `locationId` given in a request must be the token's own (CONTRACT.md §6.4).
    func requireAccess(toLocationNamed raw: String?) throws(SwitchboardError) {
        guard let raw else { return }
        try requireAccess(to: LocationID(rawValue: raw))
    }
}
