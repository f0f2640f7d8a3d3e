import Foundation
import SwitchboardCore
import SwitchboardStorage

/// A refused `POST /oauth/token`, in the OAuth 2.0 error shape (RFC 6749 §5.2) with the descriptions of the Node
/// `oauth2-server` family: `{"error":"invalid_grant","error_description":"Invalid grant: refresh token is invalid"}`.
/// HighLevel does not document these bodies; README's compatibility table says so.
struct OAuthTokenError: Error, Sendable, Hashable {
    var code: String
    var description: String
    var status: Int

    static func invalidRequest(_ description: String) -> OAuthTokenError {
        OAuthTokenError(code: "invalid_request", description: "Invalid request: " + description, status: 400)
    }

    static func missing(_ parameter: String) -> OAuthTokenError {
        invalidRequest("missing parameter: `\(parameter)`")
    }

    /// Unknown client id or wrong secret. 401, as RFC 6749 allows for a failed client authentication.
    static let invalidClient = OAuthTokenError(
        code: "invalid_client", description: "Invalid client: client is invalid", status: 401)

    static func invalidGrant(_ kind: OAuthGrant.Kind, expired: Bool) -> OAuthTokenError {
        let subject = kind == .refreshToken ? "refresh token" : "authorization code"
        return OAuthTokenError(
            code: "invalid_grant", description: "Invalid grant: \(subject) \(expired ? "has expired" : "is invalid")",
            status: 400)
    }

    static let unsupportedGrantType = OAuthTokenError(
        code: "unsupported_grant_type", description: "Unsupported grant type: `grant_type` is invalid", status: 400)

    /// `{"error":…,"error_description":…,"traceId":…}`
    func jsonBytes(traceId: String) -> [UInt8] {
        var json = JSONWriter(capacity: 160)
        json.beginObject()
        json.key("error"); json.string(code)
        json.key("error_description"); json.string(description)
        json.key("traceId"); json.string(traceId)
        json.endObject()
        return json.bytes
    }
}

/// An `application/x-www-form-urlencoded` body, as `POST /oauth/token` takes it.
struct FormBody: Sendable {
    private var values: [String: String] = [:]

    /// Parses the body; a parameter given twice, or a value that does not decode, is an `invalid_request`
    /// (RFC 6749 §3.2: parameters must not be repeated).
    init(_ text: String) throws(OAuthTokenError) {
        guard let pairs = FormURLEncoding.pairs(text[...]) else {
            throw .invalidRequest("the body is not valid form encoding")
        }
        for (key, value) in pairs {
            guard values[key] == nil else { throw .invalidRequest("parameter `\(key)` is given more than once") }
            values[key] = value
        }
    }

    /// A parameter's value; an empty one counts as missing.
    subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

}
