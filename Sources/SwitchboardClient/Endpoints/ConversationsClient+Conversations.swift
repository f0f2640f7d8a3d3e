import NIOHTTP1
public import SwitchboardCore

extension ConversationsClient {
    /// `POST /conversations/`: starts the conversation with a contact (one per contact and location).
    public func createConversation(locationId: LocationID, contactId: ContactID) async throws -> ConversationRecord {
        struct Body: Encodable {
            var locationId: LocationID
            var contactId: ContactID
        }
        let request = APIRequest(
            method: .POST, path: "/conversations/", body: try Self.encode(Body(locationId: locationId, contactId: contactId)),
            mayCreate: true)
        return try await perform(request, decode: ConversationRecord.init(body:))
    }

    /// `GET /conversations/{conversationId}`.
    public func conversation(_ id: ConversationID) async throws -> ConversationRecord {
        let request = APIRequest(method: .GET, path: PercentEncoding.path("conversations", id.rawValue))
        return try await perform(request, decode: ConversationRecord.init(body:))
    }

    /// `PUT /conversations/{conversationId}`: returns the conversation as it now is.
    public func updateConversation(_ id: ConversationID, _ update: ConversationUpdate) async throws -> ConversationRecord {
        let request = APIRequest(
            method: .PUT, path: PercentEncoding.path("conversations", id.rawValue), body: try Self.encode(update))
        return try await perform(request, decode: ConversationRecord.init(body:))
    }

    /// `DELETE /conversations/{conversationId}`.
    public func deleteConversation(_ id: ConversationID) async throws {
        let request = APIRequest(method: .DELETE, path: PercentEncoding.path("conversations", id.rawValue))
        let body = try await performForObject(request)
        if body.present("success")?.boolValue == false {
            throw ResponseShapeError("the server answered success: false", request: request.summary)
        }
    }

    /// `GET /conversations/search`: one page.
    public func searchConversations(_ search: ConversationSearch) async throws -> ConversationSearchPage {
        let request = APIRequest(method: .GET, path: "/conversations/search", query: search.queryItems)
        return try await perform(request, decode: ConversationSearchPage.init(json:))
    }
}

extension ConversationsClient {
    /// `POST /contacts/`.
    public func createContact(_ fields: ContactFields) async throws -> ContactRecord {
        let request = APIRequest(method: .POST, path: "/contacts/", body: try Self.encode(fields), mayCreate: true)
        return try await perform(request, decode: ContactRecord.init(body:))
    }

    /// `GET /contacts/{contactId}`.
    public func contact(_ id: ContactID) async throws -> ContactRecord {
        let request = APIRequest(method: .GET, path: PercentEncoding.path("contacts", id.rawValue))
        return try await perform(request, decode: ContactRecord.init(body:))
    }

    /// `POST /contacts/upsert`: updates the contact with this email or phone, or creates one. Treated like a create
    /// for retries, since a repeat after a lost answer could create a duplicate when the match fields changed.
    public func upsertContact(_ fields: ContactFields) async throws -> UpsertedContact {
        let request = APIRequest(method: .POST, path: "/contacts/upsert", body: try Self.encode(fields), mayCreate: true)
        return try await perform(request, decode: UpsertedContact.init(json:))
    }
}
