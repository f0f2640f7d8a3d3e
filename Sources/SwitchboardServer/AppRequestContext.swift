public import Hummingbird
import Logging
import NIOCore

/// Per-request state: Hummingbird's core context plus the trace id every JSON body carries.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// A UUID v4 per request (CONTRACT.md §11 Q18), set by the outermost middleware.
    public var traceId: String = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Bodies above this answer 413 (the README states the cap).
    public var maxUploadSize: Int { ServerConfiguration.maximumBodySize }
}
