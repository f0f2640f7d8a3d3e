import Foundation
import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Issue 15: search used to scan every conversation of the location (`instr(lower(…))` over five fields): 750 ms
/// (SQLite) and 390 ms (PostgreSQL) a page at 100,000 conversations on the machine that measured 9 ms with the index.
/// With an index (SQLite FTS5 trigram, PostgreSQL pg_trgm) a page took 4–12 ms there (median of 15, store API, debug
/// build of the tests), and 5–43 ms on CI's slower, shared machine. A fixed bound of 20 ms failed there; the test
/// keeps a bound that only a search without its index breaks (every scan took 260 ms or more on the fast machine)
/// and prints each median, so the numbers are in every run's log.
@Suite(.serialized) struct SearchSpeedTests {
    static let conversations = 100_000
    /// Three times CI's slowest median with the index; under the fast machine's fastest scan.
    static let boundMilliseconds = 150.0
    static let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]

    /// 100,000 conversations, one message each, with random 20-character ids and contacts with names, emails and
    /// phones; written through the import path.
    static func fill(_ store: any ConversationStore, location: LocationID) async throws {
        var generator = SystemRandomNumberGenerator()
        try await store.withImport(logger: .test) { writer in
            try await writer.createMissing(locations: [Location(id: location, name: "Search", dateAdded: testEpoch)], contacts: [])
            for batchStart in stride(from: 0, to: conversations, by: 10_000) {
                var contacts: [Contact] = []
                var messages: [Message] = []
                for n in batchStart..<(batchStart + 10_000) {
                    let contact = ContactID.generate()
                    let first = words[Int.random(in: 0..<words.count, using: &generator)].capitalized
                    contacts.append(Contact(
                        id: contact, locationId: location, firstName: first, lastName: "Person\(n)",
                        email: "person\(n)@example.com", phone: "+1555\(String(format: "%07d", n))", dateAdded: testEpoch))
                    let body = (0..<8).map { _ in words[Int.random(in: 0..<words.count, using: &generator)] }
                        .joined(separator: " ") + " order \(n)"
                    messages.append(makeMessage(
                        conversation: .generate(), location: location, contact: contact, at: Int64(n), body: body))
                }
                try await writer.createMissing(locations: [], contacts: contacts)
                try await writer.insertMessages(messages)
            }
        }
    }

    /// The median of 15 runs of each query, in milliseconds.
    static func medianMilliseconds(
        _ store: any ConversationStore, _ query: ConversationSearchQuery, expect: (ConversationSearchResult) -> Void
    ) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<15 {
            let started = ContinuousClock.now
            let result = try await store.searchConversations(query, logger: .test)
            let elapsed = ContinuousClock.now - started
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            expect(result)
        }
        return times.sorted()[times.count / 2]
    }

    @Test(arguments: Backend.allCases)
    func aSearchPageUsesItsIndexAt100000Conversations(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let location = LocationID.generate()
            try await Self.fill(store, location: location)
            // One contact by email; one by a phone fragment; a message body's order number; eleven contacts by
            // name; none; and a broad text shared by about 1,100 conversations (then the page sorts them all).
            // Broad, measured: SQLite 9 ms, PostgreSQL 12 ms (before the index: 1,000 and 264 ms; with the count and
            // the page as two statements: 19 and 36 ms).
            let cases: [(text: String, total: ClosedRange<Int>)] = [
                ("person73519@example", 1...1), ("5550073519", 1...1), ("order 42424", 1...1),
                ("PERSON9999", 11...11), ("Person12345 ", 0...0), ("Juliet Person4", 1_000...1_250),
                // A word in most message bodies (1 - 0.9^8 of them): SQLite counts it in the index and walks for the
                // page (10 ms); PostgreSQL walks for the page but checks every match to count them (87–97 ms, here),
                // which no index spares it, so only SQLite's is held to the bound.
                ("alpha", 58_000...64_000),
            ]
            for (text, total) in cases {
                let query = ConversationSearchQuery(locationId: location, text: text, limit: 20)
                let median = try await Self.medianMilliseconds(store, query) { result in
                    #expect(total.contains(result.total), "\(text): \(result.total)")
                    #expect(result.conversations.count == min(result.total, 20))
                }
                print("search \(backend) \"\(text)\": median \(String(format: "%.2f", median)) ms")
                if backend == .sqlite || text != "alpha" {
                    #expect(median < Self.boundMilliseconds, "\(backend) \"\(text)\": \(median) ms")
                }
            }
        }
    }

    /// The index follows every change of what search matches: a renamed contact, a newer last message; a text
    /// shorter than a trigram is still found (by reading every conversation).
    @Test(arguments: Backend.allCases)
    func theIndexFollowsContactsAndLastMessages(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tenant = try await store.makeTenant()
            var contact = Contact(
                id: .generate(), locationId: tenant.location, firstName: "Zed", lastName: "Quux", email: "zq@example.org",
                dateAdded: testEpoch)
            try await store.createContact(contact, logger: .test)
            let conversation = ConversationID.generate()
            try await store.insertMessages(
                [makeMessage(conversation: conversation, location: tenant.location, contact: contact.id, at: 1, body: "first words")],
                logger: .test)
            func found(_ text: String) async throws -> [ConversationID] {
                try await store.searchConversations(
                    ConversationSearchQuery(locationId: tenant.location, text: text), logger: .test
                ).conversations.map(\.conversation.id)
            }
            #expect(try await found("zed QUUX") == [conversation])
            #expect(try await found("FIRST wor") == [conversation])
            contact.lastName = "Blorp"
            try await store.updateContact(contact, logger: .test)
            #expect(try await found("quux") == [])
            #expect(try await found("zed blorp") == [conversation])
            try await store.insertMessages(
                [makeMessage(conversation: conversation, location: tenant.location, contact: contact.id, at: 2, body: "second thing")],
                logger: .test)
            #expect(try await found("first words") == [])
            #expect(try await found("second thing") == [conversation])
            #expect(try await found("zq") == [conversation])
            #expect(try await found("100%") == [])
            #expect(try await found("_") == [])
            // A NUL ends the text, as it ends every stored and bound text.
            #expect(try await found("zed\u{0}quux") == [conversation])
            #expect(try await found("nothing\u{0}second") == [])

            // Letters other than ASCII's keep their case (the rule's `lower()`), whether or not the index folds them;
            // a text matches within one field, never across two.
            let other = Contact(
                id: .generate(), locationId: tenant.location, firstName: "Émile", lastName: "Zola",
                email: "ez@example.org", dateAdded: testEpoch)
            try await store.createContact(other, logger: .test)
            let second = ConversationID.generate()
            try await store.insertMessages(
                [makeMessage(conversation: second, location: tenant.location, contact: other.id, at: 3, body: "Ça va")],
                logger: .test)
            #expect(try await found("ÉMILE zola") == [second])
            #expect(try await found("émile") == [])
            #expect(try await found("ça va") == [])
            #expect(try await found("ÇA VA") == [second])
            #expect(try await found("MILE ZOL") == [second])
            #expect(try await found("zola ez@") == [])
            #expect(try await found("va") == [second])
            #expect(try await found("example.org") == [second, conversation])
        }
    }
}
