import Logging
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// One scripted session run against SQLite and PostgreSQL: every answer, and every error, must be identical.
@Suite struct BackendParityTests {
    @Test func bothBackendsAnswerIdentically() async throws {
        let sqlite = try await withStore(.sqlite) { store in await ParityScript.run(store) }
        let postgres = try await withPostgresStore { store in await ParityScript.run(store) }
        #expect(sqlite.count > 100)
        #expect(sqlite.count == postgres.count)
        for (expected, actual) in zip(sqlite, postgres) {
            #expect(expected == actual)
        }
    }
}

/// A step's label and its outcome, described; descriptions of the domain values are deterministic.
struct Step: Hashable, Sendable, CustomStringConvertible {
    var label: String
    var outcome: String
    var description: String { "\(label): \(outcome)" }
}

enum ParityScript {
    static let logger = Logger.test
    static let t0 = Timestamp(rawValue: 1_767_225_600_000)
    static func at(_ offset: Int64) -> Timestamp { Timestamp(rawValue: t0.rawValue + offset) }

    static func run(_ store: some ConversationStore) async -> [Step] {
        var steps: [Step] = []
        func record<T>(_ label: String, _ body: () async throws -> T) async {
            do {
                let value = try await body()
                steps.append(Step(label: label, outcome: "\(value)"))
            } catch {
                steps.append(Step(label: label, outcome: "error \(error)"))
            }
        }
        func tokenText(_ token: StoredToken?) -> String {
            token.map { "\($0.id) \($0.hash.rawValue) \($0.locationId) \($0.name) [\($0.scopeList)] \($0.createdAt.rawValue) \(String(describing: $0.revokedAt))" } ?? "nil"
        }

        let l1 = LocationID(rawValue: "L1")
        let l2 = LocationID(rawValue: "L2")
        await record("location") { try await store.createLocation(Location(id: l1, name: "One", dateAdded: at(5)), logger: logger) }
        await record("location") { try await store.createLocation(Location(id: l2, name: "Two", dateAdded: at(5)), logger: logger) }
        await record("location dup") { try await store.createLocation(Location(id: l1, name: "Again", dateAdded: at(1)), logger: logger) }
        await record("locations") { try await store.locations(logger: logger) }
        await record("location get") { try await store.location(LocationID(rawValue: "l1"), logger: logger) }

        let token = StoredToken(
            id: "tok_1", hash: TokenHash(token: "pit-1"), locationId: l1, name: "ci", scopes: [.messagesReadonly, .contactsWrite],
            createdAt: at(10))
        await record("token") { try await store.createToken(token, logger: logger) }
        await record("token dup") { try await store.createToken(token, logger: logger) }
        await record("token other") {
            try await store.createToken(
                StoredToken(id: "tok_2", hash: TokenHash(token: "pit-2"), locationId: l2, name: "b", scopes: [], createdAt: at(10)),
                logger: logger)
        }
        await record("tokens all") { try await store.tokens(in: nil, logger: logger).map(tokenText) }
        await record("tokens l1") { try await store.tokens(in: l1, logger: logger).map(tokenText) }
        await record("active") { tokenText(try await store.activeToken(hash: token.hash, logger: logger)) }
        await record("revoke") { try await store.revokeToken(idOrHash: "tok_1", at: at(20), logger: logger) }
        await record("revoke again") { try await store.revokeToken(idOrHash: token.hash.rawValue, at: at(21), logger: logger) }
        await record("active revoked") { tokenText(try await store.activeToken(hash: token.hash, logger: logger)) }

        let ann = Contact(
            id: ContactID(rawValue: "ann"), locationId: l1, firstName: "Ann", lastName: "Lee", email: "Ann@Example.com",
            phone: "+15550001", dateAdded: at(30))
        let elodie = Contact(
            id: ContactID(rawValue: "elo"), locationId: l1, name: "Élodie", email: "ÉLO@x.fr", phone: "+15550002",
            companyName: "Acme", dateAdded: at(30))
        let bob = Contact(id: ContactID(rawValue: "bob"), locationId: l1, phone: "+15550003", dateAdded: at(31))
        for contact in [ann, elodie, bob] {
            await record("contact") { try await store.createContact(contact, logger: logger) }
        }
        await record("contact dup") { try await store.createContact(bob, logger: logger) }
        await record("contact get") { try await store.contact(ann.id, in: l1, logger: logger) }
        await record("contact other location") { try await store.contact(ann.id, in: l2, logger: logger) }
        for (email, phone) in [("ann@EXAMPLE.com", nil), ("élo@x.fr", nil), ("ÉLO@X.FR", nil), ("nobody@x", "+15550003"), (nil, "+15550002")] as [(String?, String?)] {
            await record("find \(String(describing: email)) \(String(describing: phone))") {
                try await store.findContact(email: email, phone: phone, in: l1, logger: logger)
            }
        }
        var bobUpdated = bob
        bobUpdated.firstName = "Bob"
        bobUpdated.dateUpdated = at(40)
        await record("contact update") { try await store.updateContact(bobUpdated, logger: logger) }
        await record("contact updated") { try await store.contact(bob.id, in: l1, logger: logger) }

        let c1 = ConversationID(rawValue: "c1")
        let c2 = ConversationID(rawValue: "c2")
        let c3 = ConversationID(rawValue: "c3")
        for (id, contact, offset) in [(c1, ann.id, Int64(50)), (c2, elodie.id, 50), (c3, bob.id, 55)] {
            await record("conversation") {
                try await store.createConversation(
                    Conversation(id: id, locationId: l1, contactId: contact, dateAdded: at(offset)), logger: logger)
            }
        }
        await record("conversation dup contact") {
            try await store.createConversation(
                Conversation(id: ConversationID(rawValue: "c4"), locationId: l1, contactId: ann.id, dateAdded: at(60)),
                logger: logger)
        }
        await record("conversation get") { try await store.conversation(c1, in: l1, logger: logger) }
        await record("location of") { try await store.locationOfConversation(c1, logger: logger) }
        await record("location of none") { try await store.locationOfConversation(ConversationID(rawValue: "zz"), logger: logger) }
        await record("for contact") { try await store.conversation(forContact: elodie.id, in: l1, logger: logger) }

        func message(_ id: String, _ conversation: ConversationID, _ contact: ContactID, _ offset: Int64,
                     type: MessageType = .sms, direction: MessageDirection? = .inbound, body: String? = "hi") -> Message {
            Message(
                id: MessageID(rawValue: id), conversationId: conversation, locationId: l1, contactId: contact,
                messageType: type, direction: direction, status: "delivered", body: body, dateAdded: at(offset))
        }
        var rich = message("rich", c2, elodie.id, 300, type: .call, direction: .outbound, body: nil)
        rich.attachments = ["https://a/x.png", "with \"quotes\" and é"]
        rich.call = CallDetails(duration: 42, status: "completed")
        rich.emailMessageIds = []
        rich.source = "api"
        rich.userId = "u1"
        rich.altId = "alt"
        rich.conversationProviderId = "prov"
        rich.chatWidgetId = "w"
        var batch = [rich]
        for (index, id) in ["a", "B", "_", "z9", "Z9", "-"].enumerated() {
            batch.append(message(id, c1, ann.id, 200, type: index % 2 == 0 ? .sms : .email, direction: index % 3 == 0 ? .outbound : .inbound, body: "Body \(id) ÉCOLE"))
        }
        for offset in stride(from: Int64(100), to: 130, by: 3) {
            batch.append(message("m\(offset)", c1, ann.id, offset, direction: offset % 2 == 0 ? .inbound : nil))
        }
        batch.append(message("older", c3, bob.id, 90, type: .whatsapp, direction: .outbound, body: "needle in bob"))
        await record("insert") { try await store.insertMessages(batch, logger: logger) }
        await record("insert dup") { try await store.insertMessages([message("new1", c1, ann.id, 999), batch[1]], logger: logger) }
        await record("insert dup left nothing") { try await store.message(MessageID(rawValue: "new1"), in: l1, logger: logger) }
        await record("insert older") { try await store.insertMessages([message("ancient", c1, ann.id, 1)], logger: logger) }
        for id in [c1, c2, c3] {
            await record("summary \(id)") { try await store.conversation(id, in: l1, logger: logger) }
        }

        for filter in [nil, MessageTypeFilter(types: [.email]), MessageTypeFilter(types: [.sms, .call])] {
            for limit in [1, 3, 100] {
                var cursor: MessageID?
                var pages = 0
                repeat {
                    var next: MessageID?
                    await record("page \(String(describing: filter)) \(limit) \(pages)") {
                        let page = try await store.messagePage(
                            MessagePageQuery(conversationId: c1, locationId: l1, lastMessageId: cursor, limit: limit, filter: filter),
                            logger: logger)
                        next = page.nextPage ? page.lastMessageId : nil
                        return page
                    }
                    cursor = next
                    pages += 1
                } while cursor != nil && pages < 40
            }
        }
        await record("page bad cursor") {
            try await store.messagePage(MessagePageQuery(conversationId: c1, locationId: l1, lastMessageId: MessageID(rawValue: "rich")), logger: logger)
        }
        await record("page other location") {
            try await store.messagePage(MessagePageQuery(conversationId: c1, locationId: l2), logger: logger)
        }
        await record("message") { try await store.message(MessageID(rawValue: "rich"), in: l1, logger: logger) }
        await record("status") { try await store.updateMessageStatus(MessageID(rawValue: "a"), in: l1, status: "read", at: at(500), logger: logger) }
        await record("status none") { try await store.updateMessageStatus(MessageID(rawValue: "a"), in: l2, status: "read", at: at(500), logger: logger) }

        await record("update conv") {
            try await store.updateConversation(c2, in: l1, changes: ConversationChanges(unreadCount: 0, starred: true, feedback: "ok"), at: at(600), logger: logger)
        }
        await record("update conv partial") {
            try await store.updateConversation(c3, in: l1, changes: ConversationChanges(unreadCount: 7), at: at(601), logger: logger)
        }
        await record("update conv none") {
            try await store.updateConversation(ConversationID(rawValue: "zz"), in: l1, changes: ConversationChanges(starred: true), at: at(601), logger: logger)
        }

        let searches: [ConversationSearchQuery] = [
            ConversationSearchQuery(locationId: l1),
            ConversationSearchQuery(locationId: l1, sort: .asc),
            ConversationSearchQuery(locationId: l1, limit: 1),
            ConversationSearchQuery(locationId: l1, startAfterDate: at(300)),
            ConversationSearchQuery(locationId: l1, sort: .asc, startAfterDate: at(200)),
            ConversationSearchQuery(locationId: l1, contactId: ann.id),
            ConversationSearchQuery(locationId: l1, text: "ANN LEE"),
            ConversationSearchQuery(locationId: l1, text: "élodie"),
            ConversationSearchQuery(locationId: l1, text: "Élodie"),
            ConversationSearchQuery(locationId: l1, text: "example.COM"),
            ConversationSearchQuery(locationId: l1, text: "5550003"),
            ConversationSearchQuery(locationId: l1, text: "NEEDLE"),
            ConversationSearchQuery(locationId: l1, text: ""),
            ConversationSearchQuery(locationId: l1, text: "%"),
            ConversationSearchQuery(locationId: l1, status: .read),
            ConversationSearchQuery(locationId: l1, status: .unread),
            ConversationSearchQuery(locationId: l1, status: .starred),
            ConversationSearchQuery(locationId: l1, status: .recents),
            ConversationSearchQuery(locationId: l1, lastMessageType: .whatsapp),
            ConversationSearchQuery(locationId: l1, lastMessageDirection: .outbound),
            ConversationSearchQuery(locationId: l2),
        ]
        for (index, query) in searches.enumerated() {
            await record("search \(index)") { try await store.searchConversations(query, logger: logger) }
        }

        let exports: [MessageExportQuery] = [
            MessageExportQuery(locationId: l1, limit: 4),
            MessageExportQuery(locationId: l1, limit: 5, sortBy: .updatedAt, sortOrder: .asc),
            MessageExportQuery(locationId: l1, limit: 3, conversationId: c1, types: [.email]),
            MessageExportQuery(locationId: l1, limit: 50, contactId: elodie.id),
            MessageExportQuery(locationId: l1, limit: 50, types: []),
            MessageExportQuery(locationId: l1, limit: 50, startDate: at(103), endDate: at(200)),
        ]
        for (index, base) in exports.enumerated() {
            var query = base
            var pages = 0
            repeat {
                var next: ExportCursor?
                await record("export \(index) \(pages)") {
                    let page = try await store.exportMessages(query, logger: logger)
                    next = page.nextCursor
                    return page
                }
                query.cursor = next
                pages += 1
            } while query.cursor != nil && pages < 40
        }

        await record("delete") { try await store.deleteConversation(c1, in: l1, logger: logger) }
        await record("delete again") { try await store.deleteConversation(c1, in: l1, logger: logger) }
        await record("deleted messages") { try await store.message(MessageID(rawValue: "a"), in: l1, logger: logger) }
        await record("after delete") { try await store.searchConversations(ConversationSearchQuery(locationId: l1), logger: logger) }
        await record("ping") { try await store.ping(logger: logger) }
        return steps
    }
}
