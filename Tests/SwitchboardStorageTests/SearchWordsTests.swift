import SwitchboardCore
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Issue 15: PostgreSQL finds a search text among each location's words (migration 018) and reads a body only when
/// the words cannot decide. Whatever the text — whitespace inside or around it, LIKE's wildcards, pieces shorter than
/// a trigram, a body with a word too long to keep — the total and the page are the rule's: the body (or a contact's
/// field) holds the text, ASCII letters in any case. Both backends, against the rule applied here in Swift.
@Suite struct SearchWordsTests {
    static let longWord = String(repeating: "x", count: 1_500)

    /// The bodies of one location's conversations, newest last.
    static let bodies = [
        "meet at the Appointment-desk",
        "appointments\tmonday\nthanks",
        "re:appointment",
        longWord + "appointment end",
        "50%_off today",
        "iday спасибо quite",
        "holiday  спасибо",
        "",
        "спасибо",
        "see you, appointment!",
        (0...1_000).map { "m\($0)" }.joined(separator: " "),
    ]

    static let texts = [
        "appointment", "APPOINTMENT", "ppoint", "re:app", "xxxappoint", "xappointment e", "50%_off", "%_o", "0%",
        "iday спасибо q", "day  спасибо", "day спасибо", "спасибо", " спасибо", "спасибо ", "appointments\tmonday",
        "nts mo", "onday\nthanks", "he", "a", "   ", " ", "end", "nd", "you, appointment!", "meet at the",
        "t at the appointment", "\tmonday\n", "m999", "m1000",
    ]

    @Test(arguments: Backend.allCases)
    func everyKindOfTextCountsAndPagesAsTheRuleDoes(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let (location, other) = (try await store.makeTenant().location, try await store.makeTenant().location)
            var written: [(id: ConversationID, body: String)] = []
            for (place, bodies) in [(location, Self.bodies), (other, ["appointment спасибо", "holiday"])] {
                for (n, body) in bodies.enumerated() {
                    let (contact, conversation) = (ContactID.generate(), ConversationID.generate())
                    try await store.createMissing(
                        locations: [], contacts: [Contact(id: contact, locationId: place, dateAdded: testEpoch)],
                        logger: .test)
                    try await store.insertMessages(
                        [makeMessage(conversation: conversation, location: place, contact: contact, at: Int64(10 * n), body: body)],
                        logger: .test)
                    if place == location { written.append((conversation, body)) }
                }
            }
            for text in Self.texts {
                let result = try await store.searchConversations(
                    ConversationSearchQuery(locationId: location, text: text, limit: 100), logger: .test)
                let expected = written.reversed().filter { Self.ascii($0.body).contains(Self.ascii(text)) }.map(\.id)
                #expect(result.conversations.map(\.conversation.id) == expected, "\(text.debugDescription)")
                #expect(result.total == expected.count, "\(text.debugDescription)")
            }
            // A later body replaces the words of the earlier one.
            let contact = try #require(
                try await store.conversation(written[2].id, in: location, logger: .test)?.contactId)
            try await store.insertMessages(
                [makeMessage(conversation: written[2].id, location: location, contact: contact, at: 500, body: "plain")],
                logger: .test)
            let after = try await store.searchConversations(
                ConversationSearchQuery(locationId: location, text: "re:app", limit: 100), logger: .test)
            #expect(after.total == 0)
            #expect(try await store.searchConversations(
                ConversationSearchQuery(locationId: location, text: "plain", limit: 100), logger: .test
            ).conversations.map(\.conversation.id) == [written[2].id])
        }
    }

    /// Lowers ASCII letters only, as both backends' rule does.
    static func ascii(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
        }))
    }
}
