public import Logging
import PostgresNIO
public import SwitchboardCore
public import SwitchboardStorage

extension PostgresConversationStore {
    // MARK: Apps and installations

    public func createApp(_ app: OAuthApp, logger: Logger) async throws {
        try await execute(
            "createApp",
            """
            INSERT INTO oauth_apps (\(unescaped: Columns.app))
            VALUES (\(app.clientId), \(app.name), \(app.secretHash.rawValue), \(StoredToken.scopeList(app.scopes)),
                \(app.createdAt.rawValue))
            """, logger: logger)
    }

    public func app(clientId: String, logger: Logger) async throws -> OAuthApp? {
        try await fetch(
            "app", "SELECT \(unescaped: Columns.app) FROM oauth_apps WHERE client_id = \(clientId)", logger: logger,
            Decode.app
        ).first
    }

    public func apps(logger: Logger) async throws -> [OAuthApp] {
        try await fetch(
            "apps", "SELECT \(unescaped: Columns.app) FROM oauth_apps ORDER BY created_at, client_id", logger: logger,
            Decode.app)
    }

    public func createInstallation(_ installation: OAuthInstallation, grant: OAuthGrant, logger: Logger) async throws {
        try await run("createInstallation", logger: logger, statements: 4) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO oauth_installations (id, client_id, user_type, location_id, company_id, user_id, scopes,
                        created_at)
                    VALUES (\(installation.id), \(installation.clientId), \(installation.userType.rawValue),
                        \(installation.locationId?.rawValue), \(installation.companyId), \(installation.userId),
                        \(StoredToken.scopeList(installation.scopes)), \(installation.createdAt.rawValue))
                    """, logger: logger)
                try await connection.query(Self.insert(grant), logger: logger)
            }
        }
    }

    private static func insert(_ grant: OAuthGrant) -> PostgresQuery {
        """
        INSERT INTO oauth_grants (token_hash, kind, installation_id, client_id, created_at, expires_at, used_at)
        VALUES (\(grant.hash.rawValue), \(grant.kind.rawValue), \(grant.installationId), \(grant.clientId),
            \(grant.createdAt.rawValue), \(grant.expiresAt.rawValue), NULL)
        """
    }

    // MARK: Grants

    public func redeemGrant(
        _ kind: OAuthGrant.Kind, hash: TokenHash, clientId: String, replacement: OAuthGrantReplacement,
        at time: Timestamp, logger: Logger
    ) async throws -> OAuthRedemption {
        try await run("redeemGrant", logger: logger, statements: 7) { connection in
            try await connection.withTransaction(logger: logger) { connection -> OAuthRedemption in
                // The row lock makes a concurrent second UPDATE wait, then find the grant spent: one of them wins.
                let spent = try await connection.fetch(
                    """
                    UPDATE oauth_grants SET used_at = \(time.rawValue)
                    WHERE token_hash = \(hash.rawValue) AND kind = \(kind.rawValue) AND client_id = \(clientId)
                        AND used_at IS NULL AND expires_at > \(time.rawValue)
                    RETURNING installation_id
                    """, logger: logger
                ) { row in try row.decode(String.self) }
                guard let installationId = spent.first else {
                    // A spent grant presented again: its whole family (the installation's live grants) is spent too.
                    let family = try await connection.fetch(
                        """
                        UPDATE oauth_grants SET used_at = \(time.rawValue)
                        WHERE used_at IS NULL AND installation_id = (
                            SELECT installation_id FROM oauth_grants
                            WHERE token_hash = \(hash.rawValue) AND kind = \(kind.rawValue) AND client_id = \(clientId)
                                AND used_at IS NOT NULL)
                        RETURNING installation_id
                        """, logger: logger
                    ) { row in try row.decode(String.self) }
                    if let revoked = family.first {
                        logger.warning(
                            "a spent OAuth grant was presented again; its installation's grants are revoked",
                            metadata: ["installation": "\(revoked)"])
                        return .invalid
                    }
                    let expired = try await connection.fetch(
                        """
                        SELECT 1 FROM oauth_grants
                        WHERE token_hash = \(hash.rawValue) AND kind = \(kind.rawValue) AND client_id = \(clientId)
                            AND used_at IS NULL AND expires_at <= \(time.rawValue)
                        """, logger: logger
                    ) { _ in true }
                    return expired.isEmpty ? .invalid : .expired
                }
                let installations = try await connection.fetch(
                    "SELECT \(unescaped: Columns.installation) FROM oauth_installations WHERE id = \(installationId)",
                    logger: logger, Decode.installation)
                guard let found = installations.first, let installation = found else { return .invalid }
                try await connection.query(
                    Self.insert(
                        OAuthGrant(
                            kind: .refreshToken, hash: replacement.hash, installationId: installation.id,
                            clientId: clientId, createdAt: time, expiresAt: replacement.expiresAt)),
                    logger: logger)
                return .redeemed(installation)
            }
        }
    }

    // MARK: Signing keys

    public func activeSigningKey(orCreate candidate: SigningKey, logger: Logger) async throws -> SigningKey {
        let seal = keySeal
        let stored = try seal.storedSecret(of: candidate)
        let keys = try await run("activeSigningKey", logger: logger, statements: 3) { connection in
            func active() async throws -> [SigningKey?] {
                try await connection.fetch(
                    "SELECT \(unescaped: Columns.signingKey) FROM oauth_signing_keys WHERE retired_at IS NULL",
                    logger: logger) { try Decode.key($0, seal: seal) }
            }
            // Read first, as the SQLite store does: once the key exists, signing takes no write.
            let existing = try await active()
            if !existing.isEmpty { return existing }
            // The unique index on the active key turns a lost race into "do nothing".
            try await connection.query(
                """
                INSERT INTO oauth_signing_keys (\(unescaped: Columns.signingKey))
                VALUES (\(candidate.id), \(stored), \(candidate.createdAt.rawValue), NULL)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            return try await active()
        }
        guard let found = keys.first, let key = found else {
            throw StoreError.unavailable("the active signing key could not be read")
        }
        return key
    }

    public func rotateSigningKey(to next: SigningKey, at time: Timestamp, logger: Logger) async throws {
        let stored = try keySeal.storedSecret(of: next)
        try await run("rotateSigningKey", logger: logger, statements: 4) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "UPDATE oauth_signing_keys SET retired_at = \(time.rawValue) WHERE retired_at IS NULL",
                    logger: logger)
                try await connection.query(
                    """
                    INSERT INTO oauth_signing_keys (\(unescaped: Columns.signingKey))
                    VALUES (\(next.id), \(stored), \(next.createdAt.rawValue), NULL)
                    """, logger: logger)
            }
        }
    }

    public func signingKeys(retiredAfter cutoff: Timestamp, logger: Logger) async throws -> [SigningKey] {
        let seal = keySeal
        return try await fetch(
            "signingKeys",
            """
            SELECT \(unescaped: Columns.signingKey) FROM oauth_signing_keys
            WHERE retired_at IS NULL OR retired_at > \(cutoff.rawValue) ORDER BY created_at, id
            """, logger: logger
        ) { try Decode.key($0, seal: seal) }.compactMap { $0 }
    }
}

extension PostgresConversationStore {
    // MARK: Revocation

    public func isInstalled(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await !fetch(
            "isInstalled",
            """
            SELECT 1 FROM oauth_installations
            WHERE client_id = \(clientId) AND (location_id = \(authClassId) OR (location_id IS NULL AND company_id = \(authClassId)))
            LIMIT 1
            """, logger: logger
        ) { _ in true }.isEmpty
    }

    public func uninstallApp(clientId: String, authClassId: String, logger: Logger) async throws -> Bool {
        try await run("uninstallApp", logger: logger, statements: 5) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                // Grants first: they refer to the installations.
                let installations = try await connection.fetch(
                    """
                    SELECT id FROM oauth_installations
                    WHERE client_id = \(clientId)
                        AND (location_id = \(authClassId) OR (location_id IS NULL AND company_id = \(authClassId)))
                    FOR UPDATE
                    """, logger: logger
                ) { row in try row.decode(String.self) }
                guard !installations.isEmpty else { return false }
                try await connection.query(
                    "DELETE FROM oauth_grants WHERE installation_id = ANY(\(installations))", logger: logger)
                try await connection.query(
                    "DELETE FROM oauth_installations WHERE id = ANY(\(installations))", logger: logger)
                return true
            }
        }
    }

    public func replaceAppSecret(clientId: String, secretHash: TokenHash, logger: Logger) async throws -> Bool {
        try await !fetch(
            "replaceAppSecret",
            "UPDATE oauth_apps SET secret_hash = \(secretHash.rawValue) WHERE client_id = \(clientId) RETURNING 1",
            logger: logger
        ) { _ in true }.isEmpty
    }

    public func deleteApp(clientId: String, logger: Logger) async throws -> Bool {
        try await run("deleteApp", logger: logger, statements: 5) { connection in
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("DELETE FROM oauth_grants WHERE client_id = \(clientId)", logger: logger)
                try await connection.query("DELETE FROM oauth_installations WHERE client_id = \(clientId)", logger: logger)
                return try await !connection.fetch(
                    "DELETE FROM oauth_apps WHERE client_id = \(clientId) RETURNING 1", logger: logger
                ) { _ in true }.isEmpty
            }
        }
    }

    public func revokeSigningKey(id: String, logger: Logger) async throws -> Bool {
        try await !fetch(
            "revokeSigningKey",
            "UPDATE oauth_signing_keys SET retired_at = 0 WHERE id = \(id) AND retired_at > 0 RETURNING 1",
            logger: logger
        ) { _ in true }.isEmpty
    }
}
