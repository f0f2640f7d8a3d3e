import Hummingbird
import HummingbirdCore
import SwitchboardCore

/// The query string, parsed once per request, as HighLevel's servers parse it: `+` is a space and percent-escapes are
/// decoded, in names and values (Hummingbird's `queryParameters` keeps `+`, and re-parses on every access). A name or
/// value with a malformed escape is kept as it was sent, as Node's query parser keeps it.
struct QueryParameters {
    private let parameters: [(name: String, value: String)]

    init(_ request: Request) {
        self.init(request.uri)
    }

    init(_ uri: URI) {
        guard let query = uri.query, !query.isEmpty else {
            parameters = []
            return
        }
        parameters = query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let name = pair.prefix { $0 != "=" }
            let value = pair.dropFirst(name.count + 1)
            return (FormURLEncoding.decode(name) ?? String(name), FormURLEncoding.decode(value) ?? String(value))
        }
    }

    /// A parameter that may appear once. Repeating it is a validation error rather than a silent pick.
    func single(_ name: String) throws(ValidationFailure) -> Substring? {
        let values = all(name)
        guard values.count <= 1 else { throw ValidationFailure("\(name) must not be repeated") }
        return values.first
    }

    func all(_ name: String) -> [Substring] {
        parameters.lazy.filter { $0.name == name }.map { Substring($0.value) }
    }
}
