import Logging
import PostgresNIO
import SwitchboardCore
@testable import SwitchboardPostgres
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// Migration 018: which search texts are looked up among the words, and the triggers that keep the words in step
/// with every way a conversation is written. `SearchWordsTests` checks the answers on both backends; these check
/// the parts.
@Suite struct PostgresSearchWordsTests {
    let logger = Logger.test

    /// A text of three characters or more without whitespace is looked up among the words; any other is left to
    /// the bodies. LIKE's wildcards are taken literally.
    @Test func whichTextsAreLookedUpAmongTheWords() {
        #expect(SearchWordLookup(loweredText: "appointment")?.text == "appointment")
        #expect(SearchWordLookup(loweredText: "спа")?.text == "спа")
        for text in ["iday спасибо q", " wren", "wren ", "see\tyou", "a\nb", "\u{0B}abc", "abc\u{0C}", "ab\rc", "he", "é", "   ", ""] {
            #expect(SearchWordLookup(loweredText: text) == nil, "\(text.debugDescription)")
        }
        #expect(SearchWordLookup.escapedForLike("50%_off\\") == "50\\%\\_off\\\\")
    }

    /// Whatever wrote them — a send's update, an import's insert of many, a newer message, a deletion — each
    /// conversation's row lists exactly its body's words, and every word it lists is in the vocabulary. A body with
    /// a word longer than the vocabulary keeps, or with more words than a list holds, has no list and adds no words.
    @Test func theWordsFollowEveryWrite() async throws {
        try await withPostgresStore { store in
            let location = try await store.makeTenant().location
            let long = String(repeating: "y", count: PostgresMigrations.longestWord + 1)
            let many = (0...PostgresMigrations.mostWords).map { "m\($0)" }.joined(separator: " ")
            var conversations: [ConversationID] = []
            var messages: [Message] = []
            for n in 0..<300 {
                let conversation = ConversationID.generate()
                conversations.append(conversation)
                let body: String? = switch n % 5 {
                case _ where n % 50 == 7: many
                case 0: "Hello\tthere, appointment \(n)"
                case 1: "line one\nline two  спасибо"
                case 2: nil
                case 3: "\(long) tail"
                default: "  Café AT noon  "
                }
                messages.append(makeMessage(
                    conversation: conversation, location: location, contact: ContactID(rawValue: "WordsContact\(n)"),
                    at: Int64(n), body: body))
            }
            try await store.withImport(logger: logger) { writer in try await writer.insertMessages(messages) }
            // A newer message to the first ten, an older one to the next ten, one conversation deleted.
            try await store.insertMessages(
                (0..<20).map { n in
                    makeMessage(
                        conversation: conversations[n], location: location, contact: ContactID(rawValue: "WordsContact\(n)"),
                        at: n < 10 ? 1_000 + Int64(n) : -1, body: "Later words \(n)")
                }, logger: logger)
            #expect(try await store.deleteConversation(conversations[299], in: location, logger: logger))

            let stale = try await count(
                """
                SELECT count(*) FROM conversations c
                FULL JOIN conversation_search_words w ON w.location_id = c.location_id AND w.conversation_id = c.id
                WHERE c.id IS NULL OR w.conversation_id IS NULL
                    OR w.sort_key <> COALESCE(c.last_message_date, c.date_added)
                    OR w.word_hashes IS DISTINCT FROM
                        switchboard_word_hashes(c.location_id, switchboard_words(lower(COALESCE(c.last_message_body, ''))))
                """, store)
            #expect(stale == 0)
            let missing = try await count(
                """
                SELECT count(*) FROM conversations c
                JOIN conversation_search_words l ON l.location_id = c.location_id AND l.conversation_id = c.id,
                    unnest(switchboard_words(lower(COALESCE(c.last_message_body, '')))) AS w
                WHERE l.word_hashes IS NOT NULL
                    AND NOT EXISTS (SELECT FROM search_words s WHERE s.location_id = c.location_id AND s.word = w)
                """, store)
            #expect(missing == 0)
            // 60 bodies with a long word and 6 with many words, less the three given a newer message.
            #expect(try await count("SELECT count(*) FROM conversation_search_words WHERE word_hashes IS NULL", store) == 63)
            #expect(try await count("SELECT count(*) FROM search_words WHERE word ~ '^(m[0-9]+|y+)$'", store) == 0)
            #expect(try await count("SELECT count(*) FROM search_words WHERE word = 'tail'", store) == 0)
            #expect(try await count("SELECT count(*) FROM conversation_search_words", store) == 299)
            let words = try await store.client.query(
                "SELECT switchboard_words(lower('  Café AT noon\tand\nmore  '))", logger: logger
            ).collect().first?.decode([String].self)
            #expect(words == ["café", "at", "noon", "and", "more"])
        }
    }

    private func count(_ sql: String, _ store: PostgresConversationStore) async throws -> Int {
        try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().first?.decode(Int.self) ?? -1
    }
}
