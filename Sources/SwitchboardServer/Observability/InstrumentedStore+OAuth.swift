import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func createApp(_ app: OAuthApp, logger: Logger) async throws {
        try await measure("createApp") { try await base.createApp(app, logger: logger) }
    }
    func app(clientId: String, logger: Logger) async throws -> OAuthApp? {
        try await measure("app") { try await base.app(clientId: clientId, logger: logger) }
    }
    func apps(logger: Logger) async throws -> [OAuthApp] {
        try await measure("apps") { try await base.apps(logger: logger) }
    }
    func createInstallation(_ installation: OAuthInstallation, grant: OAuthGrant, logger: Logger) async throws {
        try await measure("createInstallation") {
            try await base.createInstallation(installation, grant: grant, logger: logger)
        }
    }
    func redeemGrant(
        _ kind: OAuthGrant.Kind, hash: TokenHash, clientId: String, replacement: OAuthGrantReplacement,
        at time: Timestamp, logger: Logger
    ) async throws -> OAuthRedemption {
        try await measure("redeemGrant") {
            try await base.redeemGrant(
                kind, hash: hash, clientId: clientId, replacement: replacement, at: time, logger: logger)
        }
    }
    func activeSigningKey(orCreate candidate: SigningKey, logger: Logger) async throws -> SigningKey {
        try await measure("activeSigningKey") { try await base.activeSigningKey(orCreate: candidate, logger: logger) }
    }
    func rotateSigningKey(to next: SigningKey, at time: Timestamp, logger: Logger) async throws {
        try await measure("rotateSigningKey") { try await base.rotateSigningKey(to: next, at: time, logger: logger) }
    }
    func signingKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws -> [SigningKey] {
        try await measure("signingKeys") { try await base.signingKeys(retiredAfter: cutoff, logger: logger) }
    }

    func isInstalled(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await measure("isInstalled") { try await base.isInstalled(clientId: clientId, authClassId: authClassId, logger: logger) }
    }
    func uninstallApp(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await measure("uninstallApp") {
            try await base.uninstallApp(clientId: clientId, authClassId: authClassId, logger: logger)
        }
    }
    func replaceAppSecret(clientId: String, secretHash: TokenHash, logger: Logger) async throws -> Bool {
        try await measure("replaceAppSecret") {
            try await base.replaceAppSecret(clientId: clientId, secretHash: secretHash, logger: logger)
        }
    }
    func deleteApp(clientId: String, logger: Logger) async throws -> Bool {
        try await measure("deleteApp") { try await base.deleteApp(clientId: clientId, logger: logger) }
    }
    func revokeSigningKey(id: String, logger: Logger) async throws -> Bool {
        try await measure("revokeSigningKey") { try await base.revokeSigningKey(id: id, logger: logger) }
    }
}
