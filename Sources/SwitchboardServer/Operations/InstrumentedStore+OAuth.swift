import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func createApp(_ app: OAuthApp, logger: Logger) async throws {
        try await timed("createApp") { try await base.createApp(app, logger: logger) }
    }
    func app(clientId: String, logger: Logger) async throws -> OAuthApp? {
        try await timed("app") { try await base.app(clientId: clientId, logger: logger) }
    }
    func apps(logger: Logger) async throws -> [OAuthApp] {
        try await timed("apps") { try await base.apps(logger: logger) }
    }
    func createInstallation(_ installation: OAuthInstallation, grant: OAuthGrant, logger: Logger) async throws {
        try await timed("createInstallation") {
            try await base.createInstallation(installation, grant: grant, logger: logger)
        }
    }
    func redeemGrant(
        _ kind: OAuthGrant.Kind, hash: TokenHash, clientId: String, replacement: OAuthGrantReplacement,
        at time: Timestamp, logger: Logger
    ) async throws -> OAuthRedemption {
        try await timed("redeemGrant") {
            try await base.redeemGrant(
                kind, hash: hash, clientId: clientId, replacement: replacement, at: time, logger: logger)
        }
    }
    func activeSigningKey(orCreate candidate: SigningKey, logger: Logger) async throws -> SigningKey {
        try await timed("activeSigningKey") { try await base.activeSigningKey(orCreate: candidate, logger: logger) }
    }
    func rotateSigningKey(to next: SigningKey, at time: Timestamp, logger: Logger) async throws {
        try await timed("rotateSigningKey") { try await base.rotateSigningKey(to: next, at: time, logger: logger) }
    }
    func signingKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws -> [SigningKey] {
        try await timed("signingKeys") { try await base.signingKeys(retiredAfter: cutoff, logger: logger) }
    }

    func isInstalled(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await timed("isInstalled") { try await base.isInstalled(clientId: clientId, authClassId: authClassId, logger: logger) }
    }
    func uninstallApp(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await timed("uninstallApp") {
            try await base.uninstallApp(clientId: clientId, authClassId: authClassId, logger: logger)
        }
    }
    func replaceAppSecret(clientId: String, secretHash: TokenHash, logger: Logger) async throws -> Bool {
        try await timed("replaceAppSecret") {
            try await base.replaceAppSecret(clientId: clientId, secretHash: secretHash, logger: logger)
        }
    }
    func deleteApp(clientId: String, logger: Logger) async throws -> Bool {
        try await timed("deleteApp") { try await base.deleteApp(clientId: clientId, logger: logger) }
    }
    func revokeSigningKey(id: String, logger: Logger) async throws -> Bool {
        try await timed("revokeSigningKey") { try await base.revokeSigningKey(id: id, logger: logger) }
    }

    /// `measure` is private to the main file; the same timing, for these operations.
    private func timed<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { metrics.recordStoreQuery(operation, duration: ContinuousClock.now - start) }
        return try await body()
    }
}
