public import Logging
public import SwitchboardCore
public import SwitchboardStorage

/// Apps, installations and signing keys, as `switchboard app …` manages them (tests call the same functions).
public enum OAuthSetup {
    /// A refusal worth one line on the command line.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Where an app is installed: a location (sub-account) or a company (agency).
    public enum Target: Sendable, Hashable {
        case location(LocationID)
        case company(String)
    }

    /// Creates an app; returns its record and its secret, which is shown once (only its hash is stored).
    public static func createApp(
        _ store: some OAuthStore, name: String, scopes: Set<Scope>, now: Timestamp, logger: Logger
    ) async throws -> (app: OAuthApp, secret: String) {
        let (secret, app) = OAuthCredentials.app(name: name, scopes: scopes, at: now)
        try await store.createApp(app, logger: logger)
        return (app, secret)
    }

    /// Installs an app and returns its first grant: a refresh token, or an authorization code to exchange at
    /// `POST /oauth/token` (`kind`). Either is shown once.
    public static func install(
        _ store: some ConversationStore, clientId: String, on target: Target, grant kind: OAuthGrant.Kind,
        now: Timestamp, logger: Logger
    ) async throws -> (installation: OAuthInstallation, grant: String) {
        guard let app = try await store.app(clientId: clientId, logger: logger) else {
            throw Failure(description: "no app with client id \(clientId); create one with `switchboard app create`")
        }
        let installation: OAuthInstallation
        switch target {
        case .location(let location):
            guard try await store.location(location, logger: logger) != nil else {
                throw Failure(description: "no location \(location); create one with `switchboard location create`")
            }
            installation = OAuthInstallation(
                id: OAuthCredentials.installationId(), clientId: app.clientId, userType: .location, locationId: location,
                companyId: nil, userId: OAuthCredentials.userId(), scopes: app.scopes, createdAt: now)
        case .company(let company):
            installation = OAuthInstallation(
                id: OAuthCredentials.installationId(), clientId: app.clientId, userType: .company, locationId: nil,
                companyId: company, userId: OAuthCredentials.userId(), scopes: app.scopes, createdAt: now)
        }
        let (token, grant) = OAuthCredentials.grant(kind, installation: installation, at: now)
        try await store.createInstallation(installation, grant: grant, logger: logger)
        return (installation, token)
    }

    /// Makes a new key the one tokens are signed with. The previous key keeps verifying its tokens until they
    /// expire (an access token's lifetime), so no caller sees a failure.
    public static func rotateSigningKey(_ store: some OAuthStore, now: Timestamp, logger: Logger) async throws -> SigningKey {
        let next = OAuthCredentials.signingKey(at: now)
        try await store.rotateSigningKey(to: next, at: now, logger: logger)
        return next
    }
}
