import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func createSubtype(_ subtype: CustomSubtype, logger: Logger) async throws {
        try await measure("createSubtype") { try await base.createSubtype(subtype, logger: logger) }
    }

    func subtypes(in location: LocationID, logger: Logger) async throws -> [CustomSubtype] {
        try await measure("subtypes") { try await base.subtypes(in: location, logger: logger) }
    }

    func subtype(_ id: String, in location: LocationID, logger: Logger) async throws -> CustomSubtype? {
        try await measure("subtype") { try await base.subtype(id, in: location, logger: logger) }
    }

    func locationOfSubtype(_ id: String, logger: Logger) async throws -> LocationID? {
        try await measure("locationOfSubtype") { try await base.locationOfSubtype(id, logger: logger) }
    }

    func updateSubtype(_ subtype: CustomSubtype, logger: Logger) async throws {
        try await measure("updateSubtype") { try await base.updateSubtype(subtype, logger: logger) }
    }

    func recordChoice(_ choice: SubscriptionChoice, logger: Logger) async throws {
        try await measure("recordChoice") { try await base.recordChoice(choice, logger: logger) }
    }

    func resubscribeAll(
        contact: ContactID, email: String, in location: LocationID, legalReason: String?, legalDescription: String?,
        at time: Timestamp, logger: Logger
    ) async throws {
        try await measure("resubscribeAll") {
            try await base.resubscribeAll(
                contact: contact, email: email, in: location, legalReason: legalReason,
                legalDescription: legalDescription, at: time, logger: logger)
        }
    }

    func choices(of contact: ContactID, email: String?, in location: LocationID, logger: Logger) async throws
        -> [SubscriptionChoice]
    {
        try await measure("choices") { try await base.choices(of: contact, email: email, in: location, logger: logger) }
    }
}
