import SwitchboardCore
import Yams

/// Switchboard's own OpenAPI document: `openapi.yaml` from the repository root, compiled in by the
/// EmbedOpenAPIDocument plugin and converted to JSON once per process, the first time the router is built.
enum OpenAPIDocument {
    /// The document as YAML, byte for byte the repository's `openapi.yaml`.
    static var yaml: String { EmbeddedOpenAPIDocument.yaml }

    /// The document as compact JSON (key order kept), or the reason it could not be converted.
    static let json: Result<[UInt8], ConversionError> = Result { () throws(ConversionError) -> [UInt8] in
        try convert(yaml: yaml)
    }

    /// YAML's JSON-like types only: no timestamps, merge keys or `=` values.
    private static let jsonResolver = Resolver.basic.appending(.bool).appending(.int).appending(.float).appending(.null)

    struct ConversionError: Error, CustomStringConvertible, Sendable {
        let description: String
    }

    /// YAML to JSON. Only JSON's own types are resolved (strings, integers, numbers, booleans, null); anything YAML
    /// 1.1 would read as something else, such as an unquoted date, stays the string it is written as.
    static func convert(yaml: String) throws(ConversionError) -> [UInt8] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml, jsonResolver)
        } catch {
            throw ConversionError(description: "openapi.yaml is not valid YAML: \(error)")
        }
        guard let root else { throw ConversionError(description: "openapi.yaml is empty") }
        var json = JSONWriter(capacity: yaml.utf8.count)
        try write(root, to: &json, depth: 0)
        return json.bytes
    }

    private static func write(_ node: Node, to json: inout JSONWriter, depth: Int) throws(ConversionError) {
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
                try write(value, to: &json, depth: depth + 1)
            }
            json.endObject()
        case .sequence(let sequence):
            json.beginArray()
            for element in sequence { try write(element, to: &json, depth: depth + 1) }
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
