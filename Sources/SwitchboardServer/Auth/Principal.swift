public import SwitchboardCore
import SwitchboardStorage

/// Who is calling: the location a token is bound to and the scopes it grants.
public struct Principal: Sendable, Hashable {
    public var locationId: LocationID
    public var scopes: Set<Scope>
    /// The private integration token's id, or `app:<client>` for an OAuth access token, so that every access token
    /// of one app counts against one budget per location.
    public var tokenId: String

    /// CONTRACT.md §6.4 / §11 Q7: another location's resource answers 403.
    func requireAccess(to location: LocationID) throws(SwitchboardError) {
        guard location == locationId else { throw .locationNotAccessible }
    }

    /// What HighLevel's rate limits count against: the app (here, the token) and the location.
    var rateLimitKey: String { tokenId + "|" + locationId.rawValue }
}

extension Principal {
    /// The caller a private integration token stands for.
    init(_ token: StoredToken) {
        self.init(locationId: token.locationId, scopes: token.scopes, tokenId: token.id)
    }
}
