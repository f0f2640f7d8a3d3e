import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func insertEmail(_ email: EmailRecord, logger: Logger) async throws {
        try await measure("insertEmail") { try await base.insertEmail(email, logger: logger) }
    }

    func email(_ id: String, in location: LocationID, logger: Logger) async throws -> EmailRecord? {
        try await measure("email") { try await base.email(id, in: location, logger: logger) }
    }

    func locationOfEmail(_ id: String, logger: Logger) async throws -> LocationID? {
        try await measure("locationOfEmail") { try await base.locationOfEmail(id, logger: logger) }
    }

    func updateEmailHeaders(_ id: String, in location: LocationID, to headers: EmailHeaders, logger: Logger)
        async throws -> Bool
    {
        try await measure("updateEmailHeaders") {
            try await base.updateEmailHeaders(id, in: location, to: headers, logger: logger)
        }
    }
}
