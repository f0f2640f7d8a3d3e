import Foundation
import SwitchboardCore

/// The control API (`/_switchboard/…`): the testing toolkit's reset, tenants, test clock, run-time faults and request
/// journal. Off unless `serve --control`, `--test-clock` or `--demo`; guarded by its own admin token, never by a
/// location's.
public struct ControlConfiguration: Sendable {
    /// The environment variable that fixes the admin token (else a new one per start).
    public static let adminTokenEnvironmentKey = "SWITCHBOARD_ADMIN_TOKEN"

    public var adminToken: String
    /// The test clock, when `--test-clock` is on; nil: the wall clock, which the control API cannot move.
    public var testClock: TestClock?
    /// Requests the journal keeps (the oldest go first).
    public var journalCapacity = 10_000

    public init(adminToken: String, testClock: TestClock? = nil) {
        self.adminToken = adminToken
        self.testClock = testClock
    }

    /// `SWITCHBOARD_ADMIN_TOKEN` when it is set (at least 16 characters), else a new random token.
    public static func adminToken(environment: [String: String]) throws -> String {
        if let fixed = environment[adminTokenEnvironmentKey] {
            guard fixed.utf8.count >= 16, fixed.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ServerConfiguration.InvalidValue(
                    description: "\(adminTokenEnvironmentKey) must be at least 16 printable ASCII characters, no spaces")
            }
            return fixed
        }
        return "sbadmin_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
