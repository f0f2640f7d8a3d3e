import Logging
import SwitchboardCore
import SwitchboardStorage

extension PreferencesStore {
    /// Refuses (400) a send on a channel the contact's do-not-disturb covers, a send whose contact unsubscribed from
    /// what it is (`SendPermission`), and a `customSubtypeId`
    /// that is not one of the location's live subtypes of the send's channel. Email sends and sends naming a subtype
    /// read the contact's choices; other sends read nothing.
    func requireSendPermission(
        to contact: Contact, on channel: DndChannel?, emailTo address: String?, isEmail: Bool, customSubtypeId: String?,
        logger: Logger
    ) async throws {
        try contact.requireNoDoNotDisturb(on: channel)
        var subtype: CustomSubtype?
        if let id = customSubtypeId {
            guard let found = try await self.subtype(id, in: contact.locationId, logger: logger) else {
                throw SwitchboardError.badRequest("Custom subtype with id \(id.prefix(64)) not found")
            }
            guard !found.archived else { throw SwitchboardError.badRequest("Custom subtype \(found.name) is archived") }
            guard (found.channel == .email) == isEmail else {
                throw SwitchboardError.badRequest(
                    "Custom subtype \(found.name) is for \(found.channel == .email ? "email" : "SMS") messages")
            }
            subtype = found
        }
        guard isEmail || subtype != nil else { return }
        let choices = try await self.choices(of: contact.id, email: nil, in: contact.locationId, logger: logger)
        guard let refused = SendPermission.refusal(emailTo: isEmail ? address : nil, subtype: subtype, among: choices)
        else { return }
        let what =
            switch refused {
            case .oneOnOne: "\(SubscriptionTopic.oneOnOneName) emails"
            case .custom: subtype?.name ?? "this subtype"
            }
        throw SwitchboardError.badRequest("Cannot send message as the contact has unsubscribed from \(what).")
    }
}

extension Contact {
    /// Do-not-disturb refuses a send on its channel, as an unsubscription does.
    func requireNoDoNotDisturb(on channel: DndChannel?) throws(SwitchboardError) {
        guard let channel, refusesSends(on: channel) else { return }
        throw .badRequest("Cannot send message as DND is active for \(channel.rawValue).")
    }
}
