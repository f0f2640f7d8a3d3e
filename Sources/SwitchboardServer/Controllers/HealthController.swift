import Hummingbird
import NIOCore
import SwitchboardStorage

/// Our own endpoints, outside HighLevel's namespace: liveness, readiness and metrics. No token needed.
struct HealthController<Store: ConversationStore>: Sendable {
    let store: Store
    let metrics: ServerMetrics

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/healthz") { _, context in
            JSONResponse.make(bytes: Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("/readyz") { _, context in
            try await store.ping(logger: context.logger)
            return JSONResponse.make(bytes: Array(#"{"status":"ready"}"#.utf8))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
