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

    /// Creates an app and, with `webhookURL`, its webhook subscription (HighLevel's marketplace webhooks: the events
    /// of every location it is installed on). The URL and events are checked before anything is stored.
    public static func createApp(
        _ store: some ConversationStore, name: String, scopes: Set<Scope>, webhookURL: String?, events: [String],
        now: Timestamp, logger: Logger
    ) async throws -> (app: OAuthApp, secret: String, subscription: WebhookSubscription?) {
        if let webhookURL {
            try WebhookSetup.checkURL(webhookURL)
            try WebhookSetup.checkEvents(events, allowedBy: scopes)
        }
        let (app, secret) = try await createApp(store, name: name, scopes: scopes, now: now, logger: logger)
        guard let webhookURL else { return (app, secret, nil) }
        let subscription = try await WebhookSetup.addSubscription(
            store, owner: .app(clientId: app.clientId), url: webhookURL, events: events, now: now, logger: logger)
        return (app, secret, subscription)
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

    /// Removes the app's installation on a location or company with its grants: its refresh tokens stop working at
    /// once, its access tokens within two seconds on every running server.
    public static func uninstall(
        _ store: some OAuthRevocationStore, clientId: String, from target: Target, logger: Logger
    ) async throws {
        let authClassId: String =
            switch target {
            case .location(let location): location.rawValue
            case .company(let company): company
            }
        guard try await store.uninstallApp(clientId: clientId, authClassId: authClassId, logger: logger) else {
            throw Failure(description: "app \(clientId) is not installed on \(authClassId)")
        }
    }

    /// A new client secret (shown once); the old one stops working at once.
    public static func rotateSecret(_ store: some OAuthRevocationStore, clientId: String, logger: Logger) async throws -> String {
        let (secret, record) = OAuthCredentials.app(name: "", scopes: [], at: Timestamp(rawValue: 0))
        guard try await store.replaceAppSecret(clientId: clientId, secretHash: record.secretHash, logger: logger) else {
            throw Failure(description: "no app with client id \(clientId)")
        }
        return secret
    }

    /// Deletes an app with every installation and grant of it.
    public static func deleteApp(_ store: some OAuthRevocationStore, clientId: String, logger: Logger) async throws {
        guard try await store.deleteApp(clientId: clientId, logger: logger) else {
            throw Failure(description: "no app with client id \(clientId)")
        }
    }

    /// Takes a signing key out of use at once: every access token it signed stops working within two seconds. The
    /// active key is first replaced by a new one (returned), as by `rotateSigningKey`.
    public static func revokeSigningKey(
        _ store: some OAuthRevocationStore, id: String, now: Timestamp, logger: Logger
    ) async throws -> SigningKey? {
        var replacement: SigningKey?
        let active = try await store.activeSigningKey(orCreate: OAuthCredentials.signingKey(at: now), logger: logger)
        if active.id == id { replacement = try await rotateSigningKey(store, now: now, logger: logger) }
        guard try await store.revokeSigningKey(id: id, logger: logger) else {
            throw Failure(description: "no signing key \(id); `switchboard app keys` lists them")
        }
        return replacement
    }
}
