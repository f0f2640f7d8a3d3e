import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Synchronization
import SwitchboardCore
import SwitchboardServer
import SwitchboardSetup
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// An app installed on a location, with its first refresh token.
struct InstalledApp: Sendable {
    var clientId: String
    var secret: String
    var refreshToken: String
}

/// What `POST /oauth/token` answered on success.
struct TokenGrant {
    var accessToken: String
    var refreshToken: String
    var body: [String: Any]

    var headers: HTTPFields { [.authorization: "Bearer \(accessToken)", .version: "2021-04-15"] }
}

extension ConversationStore {
    /// Creates an app with these scopes and installs it on `target`, returning its first refresh token (or code).
    func installApp(
        on target: OAuthSetup.Target, scopes: Set<Scope> = Set(Scope.allCases), grant: OAuthGrant.Kind = .refreshToken
    ) async throws -> InstalledApp {
        let (app, secret) = try await OAuthSetup.createApp(self, name: "test app", scopes: scopes, now: testEpoch, logger: .test)
        let (_, token) = try await OAuthSetup.install(
            self, clientId: app.clientId, on: target, grant: grant, now: testEpoch, logger: .test)
        return InstalledApp(clientId: app.clientId, secret: secret, refreshToken: token)
    }

    /// Another installation of an existing app.
    func install(_ app: InstalledApp, on target: OAuthSetup.Target) async throws -> InstalledApp {
        let (_, token) = try await OAuthSetup.install(
            self, clientId: app.clientId, on: target, grant: .refreshToken, now: testEpoch, logger: .test)
        return InstalledApp(clientId: app.clientId, secret: app.secret, refreshToken: token)
    }
}

extension TestClientProtocol {
    /// `POST /oauth/token` with a form body built from `fields` (percent-encoded).
    func oauthToken(_ fields: [(String, String)], contentType: String = "application/x-www-form-urlencoded")
        async throws -> TestResponse
    {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
        return try await execute(
            uri: "/oauth/token", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body))
    }

    func refresh(_ app: InstalledApp, token: String? = nil, secret: String? = nil) async throws -> TestResponse {
        try await oauthToken([
            ("client_id", app.clientId), ("client_secret", secret ?? app.secret), ("grant_type", "refresh_token"),
            ("refresh_token", token ?? app.refreshToken), ("user_type", "Location"),
        ])
    }

    /// Refreshes and returns the new pair, expecting success.
    func grant(_ app: InstalledApp, token: String? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> TokenGrant
    {
        let response = try await refresh(app, token: token)
        #expect(response.status == .ok, "\(response.text)", sourceLocation: sourceLocation)
        return try TokenGrant(response)
    }
}

extension TokenGrant {
    init(_ response: TestResponse) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        accessToken = try #require(object["access_token"] as? String)
        refreshToken = try #require(object["refresh_token"] as? String)
        body = object
    }
}

/// The OAuth error body of a refused token request: `error` and `error_description`, trace id checked.
struct OAuthErrorBody: Decodable, Equatable {
    var error: String
    var error_description: String

    init(_ error: String, _ description: String) {
        self.error = error
        self.error_description = description
    }

    init(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        #expect((object["traceId"] as? String).flatMap(UUID.init(uuidString:)) != nil, sourceLocation: sourceLocation)
        self.init(try #require(object["error"] as? String), try #require(object["error_description"] as? String))
    }
}

/// A clock that tests move forward: `testEpoch` plus what was added, plus one millisecond per reading.
final class AdjustableClock: Sendable {
    private let offset = Mutex<Int64>(0)

    func now() -> Timestamp {
        offset.withLock { offset in
            defer { offset += 1 }
            return Timestamp(rawValue: testEpoch.rawValue + offset)
        }
    }

    func advance(seconds: Int64) {
        offset.withLock { $0 += seconds * 1000 }
    }
}

/// The parts of a compact JWT, and its header and payload as JSON objects.
struct JWTParts {
    var header: String
    var payload: String
    var signature: String

    init(_ token: String) throws {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3)
        (header, payload, signature) = (parts[0], parts[1], parts[2])
    }

    var token: String { [header, payload, signature].joined(separator: ".") }

    static func json(_ segment: String) throws -> [String: Any] {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let data = try #require(Data(base64Encoded: base64))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func segment(_ object: [String: Any]) throws -> String {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
