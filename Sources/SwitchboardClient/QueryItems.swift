/// Query parameters in the order added, percent-encoded on output.
struct QueryItems: Sendable {
    private var items: [(name: String, value: String)] = []

    mutating func add(_ name: String, _ value: String?) {
        guard let value else { return }
        items.append((name, value))
    }

    mutating func add(_ name: String, _ value: Int?) {
        add(name, value.map(String.init))
    }

    /// `?a=1&b=x%20y`, or empty when there are no items.
    var encoded: String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { "\(PercentEncoding.encode($0.name))=\(PercentEncoding.encode($0.value))" }
            .joined(separator: "&")
    }
}

enum PercentEncoding {
    /// Keeps only RFC 3986 unreserved characters, so the result is safe as a path segment and as a query value.
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `/conversations/{id}/messages` with each id encoded as one segment, so an id can never change the path.
    static func path(_ segments: String...) -> String {
        "/" + segments.map(segment).joined(separator: "/")
    }

    /// One path segment; `.` and `..` are encoded too, or they would be read as "this" and "parent" directory.
    static func segment(_ text: String) -> String {
        text == "." || text == ".." ? String(repeating: "%2E", count: text.count) : encode(text)
    }
}
