import SwitchboardCore
import Yams

/// Switchboard's own OpenAPI document: `openapi.yaml` from the repository root, compiled in by the
/// EmbedResources plugin and converted to JSON once per process, the first time the router is built.
enum OpenAPIDocument {
    /// The document as YAML, byte for byte the repository's `openapi.yaml`.
    static var yaml: String { EmbeddedOpenAPIDocument.files["openapi.yaml"] ?? "" }

    /// The document as compact JSON (key order kept), or the reason it could not be converted.
    static let json: Result<[UInt8], ConversionError> = converted.map(\.bytes)

    private static let converted: Result<Converted, ConversionError> = Result {
        () throws(ConversionError) -> Converted in try convertKeepingServers(yaml: yaml)
    }

    /// The document as JSON whose `servers` name the server the client reached (`http://` + the request's host, or
    /// `https://` behind a proxy that says so), so the `/docs` page's curl lines and a generated client point where
    /// the document came from. A host that is not a plain host name, address and port keeps the written servers.
    static func json(host: String?, forwardedProto: String?) -> Result<[UInt8], ConversionError> {
        converted.map { document in
            guard let host, isPlainHost(host), let range = document.serversValue else { return document.bytes }
            let scheme = forwardedProto?.lowercased() == "https" ? "https" : "http"
            var servers = JSONWriter(capacity: 128)
            servers.beginArray()
            servers.beginObject()
            servers.dynamicKey("url")
            servers.string("\(scheme)://\(host)")
            servers.dynamicKey("description")
            servers.string("This server, as the request reached it")
            servers.endObject()
            servers.endArray()
            return Array(document.bytes[..<range.lowerBound]) + servers.bytes + Array(document.bytes[range.upperBound...])
        }
    }

    /// Letters, digits, `.`, `-`, `:` and the brackets of an IPv6 literal; at most 255 characters.
    static func isPlainHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 255 && host.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"),
                UInt8(ascii: "["), UInt8(ascii: "]"):
                true
            default: false
            }
        }
    }

    /// The JSON bytes and where the top-level `servers` value lies in them.
    private struct Converted: Sendable {
        var bytes: [UInt8]
        var serversValue: Range<Int>?
    }

    /// YAML's JSON-like types only: no timestamps, merge keys or `=` values.
    private static let jsonResolver = Resolver.basic.appending(.bool).appending(.int).appending(.float).appending(.null)

    struct ConversionError: Error, CustomStringConvertible, Sendable {
        let description: String
    }

    /// YAML to JSON. Only JSON's own types are resolved (strings, integers, numbers, booleans, null); anything YAML
    /// 1.1 would read as something else, such as an unquoted date, stays the string it is written as.
    static func convert(yaml: String) throws(ConversionError) -> [UInt8] {
        try convertKeepingServers(yaml: yaml).bytes
    }

    private static func convertKeepingServers(yaml: String) throws(ConversionError) -> Converted {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml, jsonResolver)
        } catch {
            throw ConversionError(description: "openapi.yaml is not valid YAML: \(error)")
        }
        guard let root else { throw ConversionError(description: "openapi.yaml is empty") }
        var json = JSONWriter(capacity: yaml.utf8.count)
        var servers: Range<Int>?
        try write(root, to: &json, depth: 0, servers: &servers)
        return Converted(bytes: json.bytes, serversValue: servers)
    }

    private static func write(
        _ node: Node, to json: inout JSONWriter, depth: Int, servers: inout Range<Int>?
    ) throws(ConversionError) {
        guard depth < 64 else { throw ConversionError(description: "openapi.yaml is nested too deeply") }
        switch node {
        case .scalar(let scalar):
            writeScalar(scalar, tag: Tag.Name(rawValue: node.tag.rawValue), to: &json)
        case .mapping(let mapping):
            json.beginObject()
            for (key, value) in mapping {
                guard case .scalar(let name) = key else {
                    throw ConversionError(description: "openapi.yaml has a mapping key that is not a scalar")
                }
                json.dynamicKey(name.string)
                let start = json.bytes.count
                try write(value, to: &json, depth: depth + 1, servers: &servers)
                if depth == 0 && name.string == "servers" { servers = start..<json.bytes.count }
            }
            json.endObject()
        case .sequence(let sequence):
            json.beginArray()
            for element in sequence { try write(element, to: &json, depth: depth + 1, servers: &servers) }
            json.endArray()
        case .alias:
            throw ConversionError(description: "openapi.yaml uses a YAML alias; use a $ref instead")
        }
    }

    private static func writeScalar(_ scalar: Node.Scalar, tag: Tag.Name, to json: inout JSONWriter) {
        switch tag {
        case .null:
            json.raw(Array("null".utf8))
        case .bool:
            if let value = Bool.construct(from: scalar) { json.bool(value) } else { json.string(scalar.string) }
        case .int:
            if let value = Int.construct(from: scalar) { json.integer(value) } else { json.string(scalar.string) }
        case .float:
            if let value = Double.construct(from: scalar), value.isFinite {
                json.raw(Array("\(value)".utf8))
            } else {
                json.string(scalar.string)
            }
        default:
            json.string(scalar.string)
        }
    }
}
