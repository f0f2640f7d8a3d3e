import Foundation
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Issue 15: a search text in many conversations. SQLite counts a location's hits in its index alone, PostgreSQL in
/// its narrow table of bodies; both find the page by walking the location's conversations newest first, falling
/// back to sorting every match when the walk gives up. Each page and total here is checked against the rule applied
/// in Swift to what was written, on both backends.
@Suite struct BroadSearchTests {
    /// One conversation as written: its sort key (milliseconds after `testEpoch`), and what search reads.
    struct Written {
        var id: ConversationID
        var at: Int64
        var texts: [String]
        var type: MessageType
    }

    /// 7,000 conversations in one location and 1,500 in another; "heron" (and "héron") is in the body of every
    /// third of the first and of every one of the second, and in the emails of one contact in fifty; "egret" in the
    /// 2,500 oldest of the first only; "Wren" in the full names of some contacts (a contact without a first name has
    /// no full name, as PostgreSQL has it).
    static func fill(_ store: any ConversationStore) async throws -> (LocationID, [Written], LocationID) {
        let (first, second) = (try await store.makeTenant().location, try await store.makeTenant().location)
        var written: [Written] = []
        try await store.withImport(logger: .test) { writer in
            for (location, count) in [(first, 7_000), (second, 1_500)] {
                var contacts: [Contact] = []
                var messages: [Message] = []
                for n in 0..<count {
                    let contact = ContactID.generate()
                    let named = n % 60 == 0
                    let firstName: String? = named && n % 120 == 0 ? nil : "Ann\(n)"
                    // Some contacts match by their email alone, some by it and their body too (counted once).
                    let email = n % 50 == 1 ? "heron\(n)@example.com" : "a\(n)@example.com"
                    contacts.append(Contact(
                        id: contact, locationId: location, firstName: firstName, lastName: named ? "Wren" : "Lee\(n)",
                        email: email, dateAdded: testEpoch))
                    var body = "note \(n)"
                    if location == second || n % 3 == 0 { body += " a HERON flew, a héron" }
                    if location == first && n < 2_500 { body += " egret" }
                    let conversation = ConversationID.generate()
                    let type: MessageType = n % 7 == 0 ? .email : .sms
                    // Six conversations share each sort key (two of them herons), so the id breaks ties.
                    let at = Int64(10 * (n / 6))
                    messages.append(makeMessage(
                        conversation: conversation, location: location, contact: contact, type: type, at: at, body: body))
                    if location == first {
                        let fullName = firstName.map { "\($0) \(named ? "Wren" : "Lee\(n)")" } ?? ""
                        written.append(Written(id: conversation, at: at, texts: [fullName, email, body], type: type))
                    }
                }
                try await writer.createMissing(locations: [], contacts: contacts)
                try await writer.insertMessages(messages)
            }
        }
        return (first, written, second)
    }

    /// The page and total the search rule gives over `written`.
    static func expected(
        _ written: [Written], text: String, type: MessageType? = nil, sort: ConversationSearchQuery.SortOrder = .desc,
        after: Int64? = nil, limit: Int = 20
    ) -> (ids: [ConversationID], total: Int) {
        let matches = written.filter { conversation in
            conversation.texts.contains { $0.lowercased().contains(text.lowercased()) }
                && (type == nil || conversation.type == type)
        }
        let ordered = matches.sorted { ($0.at, $0.id.rawValue) < ($1.at, $1.id.rawValue) }
        let sorted = sort == .desc ? Array(ordered.reversed()) : ordered
        let paged = sorted.filter { after == nil || (sort == .desc ? $0.at < after! : $0.at > after!) }
        return (paged.prefix(limit).map(\.id), matches.count)
    }

    @Test(arguments: Backend.allCases)
    func broadSearchesPageAndCountAsTheRuleDoes(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let (location, written, other) = try await Self.fill(store)
            func search(
                _ text: String, type: MessageType? = nil, sort: ConversationSearchQuery.SortOrder = .desc, after: Int64? = nil,
                limit: Int = 20
            ) async throws -> (ids: [ConversationID], total: Int) {
                let query = ConversationSearchQuery(
                    locationId: location, text: text, lastMessageType: type, sort: sort,
                    startAfterDate: after.map { Timestamp(rawValue: testEpoch.rawValue + $0) }, limit: limit)
                let result = try await store.searchConversations(query, logger: .test)
                return (result.conversations.map(\.conversation.id), result.total)
            }
            // The other location's 1,500 herons are not counted here.
            let herons = try await search("heron")
            #expect(herons.total == 2_427)
            #expect(herons == Self.expected(written, text: "heron"))
            #expect(try await search("Heron", sort: .asc, limit: 50) == Self.expected(written, text: "heron", sort: .asc, limit: 50))
            // Three pages on, by the cursor.
            var after: Int64?
            for _ in 0..<3 {
                let page = try await search("heron", after: after)
                #expect(page == Self.expected(written, text: "heron", after: after))
                after = try #require(written.first { $0.id == page.ids.last }).at
            }
            // A filter counts through the conversations; the walk checks it too.
            #expect(try await search("heron", type: .email) == Self.expected(written, text: "heron", type: .email))
            // The 2,500 oldest: a walk from the newest gives up, and the matches are sorted.
            let egrets = try await search("egret")
            #expect(egrets.total == 2_500)
            #expect(egrets == Self.expected(written, text: "egret"))
            #expect(try await search("egret", sort: .asc) == Self.expected(written, text: "egret", sort: .asc))
            // A full name is both names: " wren" matches the 58 contacts with a first name, not the 59 without.
            #expect(try await search(" wren", limit: 100) == Self.expected(written, text: " wren", limit: 100))
            #expect(try await search(" wren", limit: 100).total == 58)
            #expect(try await search("wren", limit: 100) == Self.expected(written, text: "wren", limit: 100))
            // A text that is not ASCII: the rule decides among the index's hits, of this location only.
            let accented = try await search("Héron", limit: 30)
            #expect(accented.total == 2_334)
            #expect(accented == Self.expected(written, text: "héron", limit: 30))
            let elsewhere = try await store.searchConversations(
                ConversationSearchQuery(locationId: other, text: "heron", limit: 5), logger: .test)
            #expect(elsewhere.total == 1_500)
            #expect(elsewhere.conversations.count == 5)
        }
    }

    /// What search reads follows every later write of a conversation: a newer last message, an older one (which
    /// changes nothing), a star, a deletion, a reset. PostgreSQL reads a copy of the bodies kept by triggers
    /// (migration 017); a copy left behind would show here.
    @Test(arguments: Backend.allCases)
    func searchFollowsLaterWrites(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let location = try await store.makeTenant().location
            var written: [Written] = []
            var contacts: [ConversationID: ContactID] = [:]
            for n in 0..<40 {
                let (contact, conversation) = (ContactID.generate(), ConversationID.generate())
                try await store.createMissing(
                    locations: [], contacts: [Contact(id: contact, locationId: location, dateAdded: testEpoch)],
                    logger: .test)
                let body = n % 2 == 0 ? "a kestrel \(n)" : "note \(n)"
                try await store.insertMessages(
                    [makeMessage(conversation: conversation, location: location, contact: contact, at: Int64(10 * n), body: body)],
                    logger: .test)
                contacts[conversation] = contact
                written.append(Written(id: conversation, at: Int64(10 * n), texts: [body], type: .sms))
            }
            func search(_ status: ConversationSearchQuery.Status = .all) async throws -> (ids: [ConversationID], total: Int) {
                let result = try await store.searchConversations(
                    ConversationSearchQuery(locationId: location, text: "Kestrel", status: status, limit: 100), logger: .test)
                return (result.conversations.map(\.conversation.id), result.total)
            }
            func write(_ index: Int, at: Int64, body: String) async throws {
                let conversation = written[index].id
                try await store.insertMessages(
                    [makeMessage(
                        conversation: conversation, location: location, contact: try #require(contacts[conversation]),
                        at: at, body: body)],
                    logger: .test)
            }
            #expect(try await search() == Self.expected(written, text: "kestrel", limit: 100))
            #expect(try await search().total == 20)

            // A newer message that no longer matches, one that now does, and an older one that changes nothing.
            try await write(0, at: 1_000, body: "plain")
            written[0].texts = ["plain"]
            written[0].at = 1_000
            try await write(1, at: 1_010, body: "A KESTREL again")
            written[1].texts = ["A KESTREL again"]
            written[1].at = 1_010
            try await write(3, at: 5, body: "kestrel, long ago")
            // A star changes nothing searched, and the starred filter reads the conversation itself.
            _ = try await store.updateConversation(
                written[2].id, in: location, changes: ConversationChanges(starred: true), at: testEpoch, logger: .test)
            #expect(try await store.deleteConversation(written[4].id, in: location, logger: .test))
            written.remove(at: 4)
            let after = try await search()
            #expect(after.total == 19)
            #expect(after == Self.expected(written, text: "kestrel", limit: 100))
            #expect(after.ids.first == written[1].id)
            #expect(try await search(.starred) == ([written[2].id], 1))

            // A reset leaves nothing to find; what comes after it is found.
            try await store.reset(.data, logger: .test)
            #expect(try await search() == ([], 0))
            let contact = ContactID.generate()
            try await store.createMissing(
                locations: [], contacts: [Contact(id: contact, locationId: location, dateAdded: testEpoch)], logger: .test)
            let fresh = ConversationID.generate()
            try await store.insertMessages(
                [makeMessage(conversation: fresh, location: location, contact: contact, at: 7, body: "kestrel")], logger: .test)
            #expect(try await search() == ([fresh], 1))
        }
    }
}
