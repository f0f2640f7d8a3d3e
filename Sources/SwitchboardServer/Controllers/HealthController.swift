import Hummingbird
import SwitchboardStorage

/// Our own endpoints, outside HighLevel's namespace: liveness and readiness.
struct HealthController<Store: ConversationStore>: Sendable {
    let store: Store

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/healthz") { _, context in
            JSONResponse.make(bytes: Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("/readyz") { _, context in
            try await store.ping(logger: context.logger)
            return JSONResponse.make(bytes: Array(#"{"status":"ready"}"#.utf8))
        }
    }
}
