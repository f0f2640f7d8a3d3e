import SwitchboardCore

/// Conditional GETs: whether an `If-None-Match` header names an answer's current `ETag`.
enum EntityTag {
    /// `*`, or a comma-separated list of tags compared weakly (RFC 9110 §13.1.2: `W/"x"` matches `"x"`).
    static func ifNoneMatch(_ header: String?, matches etag: String) -> Bool {
        guard let header else { return false }
        if header.trimmingSpaces == "*" { return true }
        return header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmedOfSpaces
            return (tag.hasPrefix("W/") ? tag.dropFirst(2) : tag) == etag
        }
    }
}
