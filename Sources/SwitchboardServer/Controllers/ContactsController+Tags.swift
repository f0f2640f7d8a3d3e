import Foundation
import Hummingbird
import SwitchboardCore
import SwitchboardStorage

/// Contacts' tags (`POST|DELETE /contacts/{contactId}/tags`) and do-not-disturb (`dnd`, `dndSettings` on create,
/// update and upsert), which sends honour (`requireSendPermission`).
extension ContactsController {
    /// `add-tags`: the tags (trimmed, lower-cased as HighLevel keeps them) added to the contact's, each once; 201
    /// with all its tags.
    @Sendable func addTags(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await changeTags(request, context: context, status: .created) { tags, given in
            tags + given.filter { !tags.contains($0) }  // `given` is already without repeats (Fields.tags)
        }
    }

    /// `remove-tags`: the tags taken off the contact; 200 with the tags it keeps.
    @Sendable func removeTags(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await changeTags(request, context: context, status: .ok) { tags, given in tags.filter { !given.contains($0) } }
    }

    private func changeTags(
        _ request: Request, context: AppRequestContext, status: HTTPResponse.Status,
        _ change: ([String], [String]) -> [String]
    ) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .contactsWrite)
        let id = ContactID(rawValue: context.parameters.get("contactId") ?? "")
        var body = try await RequestBody.read(request, context: context)
        let given = Fields.tags(&body)
        if given?.isEmpty != false && body.violations.isEmpty { body.rejectField("tags should not be empty") }
        try body.validate()
        var contact = try await store.accessibleContact(id, for: principal, logger: context.logger)
        contact.tags = change(contact.tags, given ?? [])
        contact.dateUpdated = now()
        try await store.updateContact(contact, logger: context.logger)
        return JSONResponse.make(status: status, traceId: context.traceId) { json in
            json.key("tags"); json.stringArray(contact.tags)
        }
    }
}

extension ContactsController.Fields {
    /// `tags`: at most 100 strings of at most 256 bytes, trimmed and lower-cased (HighLevel keeps tags in lower
    /// case); empty ones dropped.
    static func tags(_ body: inout RequestBody) -> [String]? {
        guard let given = body.stringArray("tags", maxCount: 100) else { return nil }
        guard given.allSatisfy({ $0.utf8.count <= 256 }) else {
            body.rejectField("each value in tags must be shorter than or equal to 256 characters")
            return nil
        }
        return given.map(normalizedTag).filter { !$0.isEmpty }
            .reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// A tag as it is stored: trimmed and lower-cased. A search by tag compares its value in the same form.
    static func normalizedTag(_ tag: String) -> String {
        tag.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// `dndSettings`: `{"SMS":{"status":"active","message":…,"code":…},…}` for HighLevel's channels (`Call`,
    /// `Email`, `SMS`, `WhatsApp`, `GMB`, `FB`).
    static func dndSettings(_ body: inout RequestBody) -> [DndChannel: DndSetting]? {
        guard var object = body.object("dndSettings") else { return nil }
        var settings: [DndChannel: DndSetting] = [:]
        for channel in DndChannel.allCases {
            guard var item = object.object(channel.rawValue) else { continue }
            let status = item.oneOf("status", ["active": DndSetting.Status.active, "inactive": .inactive, "permanent": .permanent],
                                    required: true)
            let message = item.string("message", maxLength: 1_024)
            let code = item.string("code", maxLength: 256)
            object.absorb(item, prefix: channel.rawValue)
            if let status { settings[channel] = DndSetting(status: status, message: message, code: code) }
        }
        body.absorb(object, prefix: "dndSettings")
        return settings
    }
}

