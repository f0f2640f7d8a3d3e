/// The one rule for text in every store: it ends at its first NUL.
///
/// SQLite is handed Swift strings as C strings, so it stores, finds and compares text only up to a NUL; PostgreSQL
/// refuses NUL in text outright. Both backends keep (and search) what comes before it, so they give the same
/// answers: `lastMessageId=%00` is an unknown cursor, not invalid input, and a name "a\u{0}b" is stored as "a".
public enum StoredText {
    public static func of(_ string: String) -> Substring {
        string.utf8.firstIndex(of: 0).map { string[..<$0] } ?? string[...]
    }
}
