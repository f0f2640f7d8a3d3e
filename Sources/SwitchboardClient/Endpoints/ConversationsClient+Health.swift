import NIOHTTP1

extension ConversationsClient {
    /// `GET /healthz`, Switchboard's own liveness check (HighLevel has no such endpoint): true when the server answers.
    public func isLive() async throws -> Bool {
        try await probe("/healthz")
    }

    /// `GET /readyz`, Switchboard's own readiness check: true when the server can reach its store, false on a 503.
    public func isReady() async throws -> Bool {
        try await probe("/readyz")
    }

    /// A probe answers now: it is never retried, and a 503 is an answer ("not ready"), not an error.
    private func probe(_ path: String) async throws -> Bool {
        let request = APIRequest(method: .GET, path: path, allowsRetry: false)
        do {
            _ = try await perform(request)
            return true
        } catch let error as HighLevelAPIError where error.status == 503 {
            return false
        }
    }
}
