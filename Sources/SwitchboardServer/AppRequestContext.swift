public import Hummingbird
import Logging
import NIOCore
import SwitchboardCore

/// Per-request state: Hummingbird's core context, the trace id every JSON body carries, and the caller once the
/// API middleware has authenticated it.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// A UUID v4 per request (CONTRACT.md §11 Q18), set by the outermost middleware.
    public var traceId: String = ""
    /// Set by `APIMiddleware` on API routes.
    public var principal: Principal?
    /// Where the API middleware leaves the request's location for the request journal (while the journal is on).
    var note: RequestNote?

    /// The peer's IP address, without its port (nil in tests without a socket): what failed authentications are
    /// counted against.
    public var clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies above this answer 413 (the README states the cap).
    public var maxUploadSize: Int { ServerConfiguration.maximumBodySize }

    /// The authenticated caller, if its token grants `scope` (CONTRACT.md §6.4: the scope check follows the
    /// credential check, and precedes the location check done by the handler).
    func requirePrincipal(scope: Scope) throws(SwitchboardError) -> Principal {
        guard let principal else { throw .authorizationMissing }
        guard principal.scopes.contains(scope) else { throw .scopeNotGranted }
        return principal
    }
}
