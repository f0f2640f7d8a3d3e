import Logging
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardStorage
import SwitchboardTestSupport
import Testing

/// The OAuth half of the store, scripted against both backends: identical answers and errors.
@Suite struct OAuthParityTests {
    @Test func bothBackendsAnswerIdentically() async throws {
        let sqlite = try await withStore(.sqlite) { store in await OAuthParityScript.run(store) }
        let postgres = try await withPostgresStore { store in await OAuthParityScript.run(store) }
        #expect(sqlite.count > 20)
        #expect(sqlite.count == postgres.count)
        for (expected, actual) in zip(sqlite, postgres) {
            #expect(expected == actual)
        }
    }
}

enum OAuthParityScript {
    static let logger = Logger.test
    static func at(_ offset: Int64) -> Timestamp { Timestamp(rawValue: 1_767_225_600_000 + offset) }

    static func run(_ store: some ConversationStore) async -> [Step] {
        var steps: [Step] = []
        func record<T>(_ label: String, _ body: () async throws -> T) async {
            do {
                steps.append(Step(label: label, outcome: "\(try await body())"))
            } catch {
                steps.append(Step(label: label, outcome: "error \(error)"))
            }
        }
        func appText(_ app: OAuthApp?) -> String {
            app.map { "\($0.clientId) \($0.name) \($0.secretHash.rawValue) [\(Self.scopes($0.scopes))] \($0.createdAt.rawValue)" } ?? "nil"
        }
        func redemptionText(_ redemption: OAuthRedemption) -> String {
            switch redemption {
            case .redeemed(let installation):
                "redeemed \(installation.id) \(installation.clientId) \(installation.userType) "
                    + "\(String(describing: installation.locationId)) \(String(describing: installation.companyId)) "
                    + "\(installation.userId) [\(Self.scopes(installation.scopes))] \(installation.createdAt.rawValue)"
            case .invalid: "invalid"
            case .expired: "expired"
            }
        }

        let location = LocationID(rawValue: "L1")
        await record("location") { try await store.createLocation(Location(id: location, name: "L", dateAdded: at(0)), logger: logger) }
        let app = OAuthApp(
            clientId: "0123456789abcdef01234567-abcd1234", name: "App", secretHash: TokenHash(token: "s"),
            scopes: [.conversationsReadonly, .messagesWrite], createdAt: at(10))
        let older = OAuthApp(clientId: "b-app", name: "B", secretHash: TokenHash(token: "t"), scopes: [], createdAt: at(5))
        await record("app") { try await store.createApp(app, logger: logger) }
        await record("app older") { try await store.createApp(older, logger: logger) }
        await record("app dup") { try await store.createApp(app, logger: logger) }
        await record("app get") { appText(try await store.app(clientId: app.clientId, logger: logger)) }
        await record("app none") { appText(try await store.app(clientId: "nope", logger: logger)) }
        await record("apps") { try await store.apps(logger: logger).map(appText) }

        let onLocation = OAuthInstallation(
            id: "ins_1", clientId: app.clientId, userType: .location, locationId: location, companyId: "co",
            userId: "u1", scopes: app.scopes, createdAt: at(20))
        let onCompany = OAuthInstallation(
            id: "ins_2", clientId: app.clientId, userType: .company, locationId: nil, companyId: "co", userId: "u2",
            scopes: [.contactsReadonly], createdAt: at(21))
        func grant(_ kind: OAuthGrant.Kind, _ token: String, _ installation: OAuthInstallation, expires: Int64) -> OAuthGrant {
            OAuthGrant(
                kind: kind, hash: TokenHash(token: token), installationId: installation.id,
                clientId: installation.clientId, createdAt: installation.createdAt, expiresAt: at(expires))
        }
        await record("install") {
            try await store.createInstallation(onLocation, grant: grant(.authorizationCode, "code1", onLocation, expires: 100), logger: logger)
        }
        await record("install company") {
            try await store.createInstallation(onCompany, grant: grant(.refreshToken, "refresh1", onCompany, expires: 50), logger: logger)
        }
        var broken = onCompany
        broken.id = "ins_3"
        broken.locationId = LocationID(rawValue: "nowhere")
        await record("install bad location") {
            try await store.createInstallation(broken, grant: grant(.refreshToken, "refresh9", broken, expires: 50), logger: logger)
        }
        await record("install unknown app") {
            var stray = onLocation
            stray.id = "ins_4"
            stray.clientId = "missing"
            return try await store.createInstallation(stray, grant: grant(.refreshToken, "refresh8", stray, expires: 50), logger: logger)
        }
        await record("install dup grant") {
            var again = onLocation
            again.id = "ins_5"
            return try await store.createInstallation(again, grant: grant(.authorizationCode, "code1", again, expires: 100), logger: logger)
        }

        let replacement = OAuthGrantReplacement(hash: TokenHash(token: "refresh2"), expiresAt: at(1_000))
        let attempts: [(String, OAuthGrant.Kind, String, String, Int64)] = [
            ("wrong kind", .refreshToken, "code1", app.clientId, 30),
            ("wrong client", .authorizationCode, "code1", older.clientId, 30),
            ("unknown", .authorizationCode, "nope", app.clientId, 30),
            ("code", .authorizationCode, "code1", app.clientId, 30),
            ("code again", .authorizationCode, "code1", app.clientId, 31),
            ("expired", .refreshToken, "refresh1", app.clientId, 50),
            ("replacement", .refreshToken, "refresh2", app.clientId, 40),
        ]
        for (label, kind, token, client, time) in attempts {
            let next = OAuthGrantReplacement(hash: TokenHash(token: "r-\(label)"), expiresAt: at(2_000))
            await record("redeem \(label)") {
                redemptionText(
                    try await store.redeemGrant(
                        kind, hash: TokenHash(token: token), clientId: client,
                        replacement: label == "code" ? replacement : next, at: at(time), logger: logger))
            }
        }

        let first = SigningKey(id: "key_a", secret: [1, 2, 3], createdAt: at(60))
        let second = SigningKey(id: "key_b", secret: [4, 5, 6], createdAt: at(70))
        let third = SigningKey(id: "key_c", secret: [7, 8], createdAt: at(80))
        await record("keys empty") { try await store.signingKeys(retiredAfter: at(0), logger: logger) }
        await record("active create") { try await store.activeSigningKey(orCreate: first, logger: logger) }
        await record("active existing") { try await store.activeSigningKey(orCreate: second, logger: logger) }
        await record("rotate") { try await store.rotateSigningKey(to: second, at: at(75), logger: logger) }
        await record("rotate again") { try await store.rotateSigningKey(to: third, at: at(85), logger: logger) }
        await record("rotate dup id") { try await store.rotateSigningKey(to: third, at: at(86), logger: logger) }
        await record("active after rotate") { try await store.activeSigningKey(orCreate: first, logger: logger) }
        for cutoff in [Int64(0), 75, 80, 85, 90] {
            await record("keys after \(cutoff)") { try await store.signingKeys(retiredAfter: at(cutoff), logger: logger) }
        }
        return steps
    }

    static func scopes(_ scopes: Set<Scope>) -> String { scopes.map(\.rawValue).sorted().joined(separator: " ") }
}
