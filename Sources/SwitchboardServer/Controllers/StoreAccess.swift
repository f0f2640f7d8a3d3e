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

    /// The caller's contact, or 400 "Contact with id … not found".
    func accessibleContact(_ id: ContactID, for principal: Principal, logger: Logger) async throws -> Contact {
        guard id.isPlausible, let contact = try await contact(id, in: principal.locationId, logger: logger) else {
            throw SwitchboardError.badRequest("Contact with id \(id.rawValue.prefix(64)) not found")
        }
        return contact
    }
}

extension Principal {
    /// A `locationId` given in a request must be the token's own (CONTRACT.md §6.4).
    func requireAccess(toLocationNamed raw: String?) throws(SwitchboardError) {
        guard let raw else { return }
        try requireAccess(to: LocationID(rawValue: raw))
    }
}
