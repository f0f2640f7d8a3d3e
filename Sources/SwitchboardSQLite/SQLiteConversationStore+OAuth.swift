import GRDB
public import Logging
public import SwitchboardCore
public import SwitchboardStorage

extension SQLiteConversationStore {
    // MARK: Apps and installations

    public func createApp(_ app: OAuthApp, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO oauth_apps (client_id, name, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [app.clientId, app.name, app.secretHash.rawValue, StoredToken.scopeList(app.scopes), app.createdAt.rawValue])
        }
    }

    private static let appColumns = OAuthAppColumn.list

    public func app(clientId: String, logger: Logger) async throws -> OAuthApp? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.appColumns) FROM oauth_apps WHERE client_id = ?", arguments: [clientId])
                .map(Decode.app)
        }
    }

    public func apps(logger: Logger) async throws -> [OAuthApp] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.appColumns) FROM oauth_apps ORDER BY created_at, client_id")
                .map(Decode.app)
        }
    }


    public func createInstallation(_ installation: OAuthInstallation, grant: OAuthGrant, logger: Logger) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO oauth_installations (id, client_id, user_type, location_id, company_id, user_id, scopes,
                        created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    installation.id, installation.clientId, installation.userType.rawValue,
                    installation.locationId?.rawValue, installation.companyId, installation.userId,
                    StoredToken.scopeList(installation.scopes), installation.createdAt.rawValue,
                ])
            try Self.insert(grant, db: db)
        }
    }

    private static func insert(_ grant: OAuthGrant, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO oauth_grants (token_hash, kind, installation_id, client_id, created_at, expires_at, used_at)
                VALUES (?, ?, ?, ?, ?, ?, NULL)
                """,
            arguments: [
                grant.hash.rawValue, grant.kind.rawValue, grant.installationId, grant.clientId, grant.createdAt.rawValue,
                grant.expiresAt.rawValue,
            ])
    }

    // MARK: Grants

    public func redeemGrant(
        _ kind: OAuthGrant.Kind, hash: TokenHash, clientId: String, replacement: OAuthGrantReplacement,
        at time: Timestamp, logger: Logger
    ) async throws -> OAuthRedemption {
        try await write { db in
            // One conditional UPDATE spends the grant: a second use, in this process or another, finds it spent.
            try db.execute(
                sql: """
                    UPDATE oauth_grants SET used_at = ?
                    WHERE token_hash = ? AND kind = ? AND client_id = ? AND used_at IS NULL AND expires_at > ?
                    """,
                arguments: [time.rawValue, hash.rawValue, kind.rawValue, clientId, time.rawValue])
            guard db.changesCount == 1 else {
                // A spent grant presented again: its whole family (the installation's live grants) is spent too.
                if let family = try String.fetchOne(
                    db,
                    sql: """
                        SELECT installation_id FROM oauth_grants
                        WHERE token_hash = ? AND kind = ? AND client_id = ? AND used_at IS NOT NULL
                        """,
                    arguments: [hash.rawValue, kind.rawValue, clientId])
                {
                    try db.execute(
                        sql: "UPDATE oauth_grants SET used_at = ? WHERE installation_id = ? AND used_at IS NULL",
                        arguments: [time.rawValue, family])
                    logger.warning("a spent OAuth grant was presented again; its installation's grants are revoked",
                                   metadata: ["installation": "\(family)"])
                    return .invalid
                }
                let expired = try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT 1 FROM oauth_grants
                        WHERE token_hash = ? AND kind = ? AND client_id = ? AND used_at IS NULL AND expires_at <= ?
                        """,
                    arguments: [hash.rawValue, kind.rawValue, clientId, time.rawValue]) ?? false
                return expired ? .expired : .invalid
            }
            guard
                let installation = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.installationColumns) FROM oauth_installations i
                        JOIN oauth_grants g ON g.installation_id = i.id WHERE g.token_hash = ?
                        """,
                    arguments: [hash.rawValue]
                ).flatMap(Decode.installation)
            else { return .invalid }
            try Self.insert(
                OAuthGrant(
                    kind: .refreshToken, hash: replacement.hash, installationId: installation.id, clientId: clientId,
                    createdAt: time, expiresAt: replacement.expiresAt),
                db: db)
            return .redeemed(installation)
        }
    }

    private static let installationColumns = OAuthInstallationColumn.list(alias: "i")


    // MARK: Signing keys

    private static let keyColumns = SigningKeyColumn.list

    public func activeSigningKey(orCreate candidate: SigningKey, logger: Logger) async throws -> SigningKey {
        // Read first: once the key exists (every start but the first) this takes no write lock, so a server starts
        // and issues tokens while an import holds it.
        let seal = keySeal
        let stored = try seal.storedSecret(of: candidate)
        if let key = try await pool.read({ db in try Self.activeSigningKey(db, seal: seal) }) { return key }
        let key = try await write { db -> SigningKey? in
            // The unique index on the active key turns a lost race into "do nothing".
            try db.execute(
                sql: "INSERT INTO oauth_signing_keys (id, secret, created_at, retired_at) VALUES (?, ?, ?, NULL) ON CONFLICT DO NOTHING",
                arguments: [candidate.id, stored, candidate.createdAt.rawValue])
            return try Self.activeSigningKey(db, seal: seal)
        }
        guard let key else { throw StoreError.unavailable("the active signing key could not be read") }
        return key
    }

    private static func activeSigningKey(_ db: Database, seal: SigningKeySeal) throws -> SigningKey? {
        try Row.fetchOne(db, sql: "SELECT \(keyColumns) FROM oauth_signing_keys WHERE retired_at IS NULL")
            .flatMap { try Decode.signingKey($0, seal: seal) }
    }

    public func rotateSigningKey(to next: SigningKey, at time: Timestamp, logger: Logger) async throws {
        let stored = try keySeal.storedSecret(of: next)
        try await write { db in
            try db.execute(
                sql: "UPDATE oauth_signing_keys SET retired_at = ? WHERE retired_at IS NULL", arguments: [time.rawValue])
            try db.execute(
                sql: "INSERT INTO oauth_signing_keys (id, secret, created_at, retired_at) VALUES (?, ?, ?, NULL)",
                arguments: [next.id, stored, next.createdAt.rawValue])
        }
    }

    public func signingKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws -> [SigningKey] {
        let seal = keySeal
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.keyColumns) FROM oauth_signing_keys
                    WHERE retired_at IS NULL OR retired_at > ? ORDER BY created_at, id
                    """,
                arguments: [cutoff.rawValue]
            ).compactMap { try Decode.signingKey($0, seal: seal) }
        }
    }


    // MARK: Revocation

    public func isInstalled(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM oauth_installations
                    WHERE client_id = ? AND (location_id = ? OR (location_id IS NULL AND company_id = ?)) LIMIT 1
                    """,
                arguments: [clientId, authClassId, authClassId]) ?? false
        }
    }

    public func uninstallApp(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await write { db in
            let installations = """
                SELECT id FROM oauth_installations
                WHERE client_id = ? AND (location_id = ? OR (location_id IS NULL AND company_id = ?))
                """
            try db.execute(
                sql: "DELETE FROM oauth_grants WHERE installation_id IN (\(installations))",
                arguments: [clientId, authClassId, authClassId])
            try db.execute(
                sql: "DELETE FROM oauth_installations WHERE id IN (\(installations))",
                arguments: [clientId, authClassId, authClassId])
            return db.changesCount > 0
        }
    }

    public func replaceAppSecret(clientId: String, secretHash: TokenHash, logger: Logger) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE oauth_apps SET secret_hash = ? WHERE client_id = ?", arguments: [secretHash.rawValue, clientId])
            return db.changesCount > 0
        }
    }

    public func deleteApp(clientId: String, logger: Logger) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM oauth_grants WHERE client_id = ?", arguments: [clientId])
            try db.execute(sql: "DELETE FROM oauth_installations WHERE client_id = ?", arguments: [clientId])
            try db.execute(sql: "DELETE FROM oauth_apps WHERE client_id = ?", arguments: [clientId])
            return db.changesCount > 0
        }
    }

    public func revokeSigningKey(id: String, logger: Logger) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE oauth_signing_keys SET retired_at = 0 WHERE id = ? AND retired_at > 0", arguments: [id])
            return db.changesCount > 0
        }
    }
}
