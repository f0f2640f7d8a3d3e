import Hummingbird
import HTTPTypes
import SwitchboardCore

/// Behind a proxy the server is told to trust (`--trusted-proxy`), the client is the address the proxy names in
/// `X-Forwarded-For`, not the proxy: otherwise every client behind one load balancer would share one budget of failed
/// authentications, and one guesser would lock everyone out. A peer that is not trusted is the client, whatever
/// header it sends.
struct ForwardedClientMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!  // a valid literal field name

    let trustedProxies: Set<String>

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.clientAddress = Self.client(
            peer: context.clientAddress, forwardedFor: request.headers[values: Self.forwardedFor],
            trusted: trustedProxies)
        return try await next(request, context)
    }

    /// The rightmost address of the chain that is not a trusted proxy (each proxy appends the address it heard from;
    /// what is left of that, the client may have written itself). The peer when it is not trusted, or when the
    /// header names nothing usable.
    static func client(peer: String?, forwardedFor: [String], trusted: Set<String>) -> String? {
        guard let peer, trusted.contains(peer) else { return peer }
        let chain = forwardedFor.joined(separator: ",").split(separator: ",").map(\.trimmingSpaces)
        // An address is at most 45 characters (IPv6 with an IPv4 tail); anything longer is not one.
        guard let client = chain.last(where: { !trusted.contains($0) }) ?? chain.first,
            !client.isEmpty, client.utf8.count <= 45
        else { return peer }
        return client
    }
}
