import Logging
import SwitchboardCore
import SwitchboardStorage

extension InstrumentedStore {
    func createProvider(_ provider: ConversationProvider, logger: Logger) async throws {
        try await measure("createProvider") { try await base.createProvider(provider, logger: logger) }
    }
    func providers(in location: LocationID?, logger: Logger) async throws -> [ConversationProvider] {
        try await measure("providers") { try await base.providers(in: location, logger: logger) }
    }
    func removeProvider(_ id: String, logger: Logger) async throws -> Bool {
        try await measure("removeProvider") { try await base.removeProvider(id, logger: logger) }
    }
}
