import Hummingbird
import HummingbirdCore
import SwitchboardCore

/// The query string, parsed once per request (Hummingbird re-parses it on every access of `queryParameters`).
struct QueryParameters {
    private let parameters: Parameters

    init(_ request: Request) {
        self.init(request.uri)
    }

    init(_ uri: URI) {
        parameters = uri.queryParameters
    }

    /// A parameter that may appear once. Repeating it is a validation error rather than a silent pick.
    func single(_ name: String) throws(ValidationFailure) -> Substring? {
        let values = parameters.getAll(name)
        guard values.count <= 1 else { throw ValidationFailure("\(name) must not be repeated") }
        return values.first.map { Substring($0) }
    }

    func all(_ name: String) -> [Substring] {
        parameters.getAll(name).map { Substring($0) }
    }
}
