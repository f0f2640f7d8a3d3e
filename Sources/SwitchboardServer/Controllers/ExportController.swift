import Hummingbird
import SwitchboardCore
import SwitchboardStorage

/// `GET /conversations/messages/export`: a location's messages, cursor-paginated (CONTRACT.md §5.2).
struct ExportController<Store: ConversationStore>: Sendable {
    let store: Store

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/conversations/messages/export", use: export)
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal(scope: .messagesReadonly)
        var form = QueryForm(QueryParameters(request))
        let location = form.string("locationId", required: true)
        let limit = Self.limit(&form)
        let cursorToken = form.string("cursor")
        let sortBy = form.oneOf("sortBy", MessageExportQuery.SortField.allCases)
        let sortOrder = form.oneOf("sortOrder", ConversationSearchQuery.SortOrder.allCases)
        let conversationId = form.string("conversationId")
        let contactId = form.string("contactId")
        let channel = form.oneOf("channel", ChannelVocabulary.exportChannel.map(\.key))
        let startDate = form.date("startDate")
        let endDate = form.date("endDate")
        try form.validate()
        try principal.requireAccess(toLocationNamed: location)
        var cursor: ExportCursor?
        if let cursorToken {
            guard let parsed = ExportCursor(token: cursorToken) else { throw SwitchboardError.badRequest("Invalid cursor") }
            cursor = parsed
        }
        let types = channel.flatMap { name in ChannelVocabulary.exportChannel.first { $0.key == name }?.value }
        let query = MessageExportQuery(
            locationId: principal.locationId, limit: limit, cursor: cursor, sortBy: sortBy ?? .createdAt,
            sortOrder: sortOrder ?? .desc, conversationId: conversationId.map(ConversationID.init(rawValue:)),
            contactId: contactId.map(ContactID.init(rawValue:)), types: types ?? ChannelVocabulary.exportDefault,
            startDate: startDate, endDate: endDate)
        let page = try await store.exportMessages(query, logger: context.logger)
        return JSONResponse.make(traceId: context.traceId) { json in
            json.key("messages")
            json.beginArray()
            for message in page.messages { message.write(to: &json) }
            json.endArray()
            json.key("nextCursor")
            if let next = page.nextCursor { json.string(next.token) } else { json.raw(Array("null".utf8)) }
            json.key("total"); json.integer(page.total)
        }
    }

    /// Export pages hold 10 to 500 messages (default 100), as documented; outside that range is a 422.
    static func limit(_ form: inout QueryForm) -> Int {
        let limit = form.limit("limit", default: 100, minimum: 10, maximum: .max)
        guard limit <= 500 else {
            form.reject("limit must not be greater than 500")
            return 100
        }
        return limit
    }
}
