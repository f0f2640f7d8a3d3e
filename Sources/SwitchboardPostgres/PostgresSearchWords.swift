import PostgresNIO

/// A search text found among a location's words (`search_words`, migration 018) rather than in every candidate's
/// body.
///
/// A body holds a text with no whitespace exactly when one of its words holds it, so the conversations listing a
/// word that contains the text are the answer, and no body is read. A text with whitespace is left to the trigram
/// index over the bodies: its trigrams across the space pick far fewer candidates than its words do (`iday спасибо
/// q` among 30,000 conversations: 5,286 have a word ending in `iday` and the word `спасибо`, 3 hold the text; 34–58 ms
/// through the words, 10–17 ms through the trigrams). So is a text shorter than a trigram, which would list most of
/// the vocabulary.
struct SearchWordLookup: Equatable {
    /// What `switchboard_words` splits a body at: ASCII whitespace.
    static let separators: Set<Unicode.Scalar> = [" ", "\t", "\n", "\u{0B}", "\u{0C}", "\r"]

    /// The shortest text looked up, in characters: pg_trgm's trigram, which finds the words.
    static let shortestText = 3

    let text: String

    /// Nil when the words cannot decide: the text is then matched against the bodies.
    init?(loweredText text: String) {
        guard text.unicodeScalars.count >= Self.shortestText,
            !text.unicodeScalars.contains(where: Self.separators.contains)
        else { return nil }
        self.text = text
    }

    /// ` AND <alias>.word_hashes && ARRAY(…)`: the hashes of the location's words that contain the text, as
    /// `pattern` (the text's LIKE pattern, `%…%`) finds them.
    func writeCondition(
        on alias: String, location: String, pattern: String, into query: inout PostgresQuery.StringInterpolation
    ) {
        query.appendInterpolation(unescaped: """
             AND \(alias).word_hashes && ARRAY(SELECT switchboard_word_hash(s.location_id, s.word) \
            FROM search_words s WHERE s.location_id = 
            """)
        query.appendInterpolation(location)
        query.appendLiteral(" AND s.word LIKE ")
        query.appendInterpolation(pattern)
        query.appendLiteral(")")
    }

    /// LIKE's wildcards and its escape character, taken literally.
    static func escapedForLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
