import Foundation

/// `application/x-www-form-urlencoded` text, read as HighLevel's servers read query strings and form bodies: `+` is a
/// space, then percent-escapes are decoded (`type=+TYPE_SMS+,+TYPE_CALL+` is `type= TYPE_SMS , TYPE_CALL `).
enum FormURLEncoding {
    /// The `name=value` pairs of `text` in order, each side decoded; nil when a percent-escape is malformed.
    static func pairs(_ text: Substring) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let name = pair.prefix { $0 != "=" }
            guard let decodedName = decode(name), let decodedValue = decode(pair.dropFirst(name.count + 1)) else {
                return nil
            }
            pairs.append((decodedName, decodedValue))
        }
        return pairs
    }

    /// One name or value; nil when a percent-escape is malformed.
    static func decode(_ text: Substring) -> String? {
        // Most text has neither: no Foundation round trip for it.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(text) }
        return text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
