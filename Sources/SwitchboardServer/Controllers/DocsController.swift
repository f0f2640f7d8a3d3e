import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchboardCore

/// Switchboard's own API description: `GET /openapi.json` (openapi.yaml as JSON) and `GET /docs`, a page that renders
/// it with inline script and style only. Neither needs a token.
struct DocsController: Sendable {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!  // a valid literal field name
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!  // a valid literal field name

    /// Converts the document on a thread of its own as the router is built (once per process): not on the first
    /// request, and not before the server listens (the YAML takes tens of milliseconds to parse, most of an
    /// in-memory server's start). A request that comes sooner waits for it (the global is initialised once).
    init() {
        LowPriorityThread.run { _ = OpenAPIDocument.json }
    }

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/openapi.json") { request, context in
            let forwardedProto = request.headers[Self.forwardedProto]
            switch OpenAPIDocument.json(host: request.head.authority, forwardedProto: forwardedProto) {
            case .success(let bytes):
                return JSONResponse.make(bytes: bytes)
            case .failure(let error):
                context.logger.error("openapi.yaml could not be served", metadata: ["error": "\(error)"])
                throw SwitchboardError.internalError
            }
        }
        router.get("/docs") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            // Everything the page needs is inline; the only request it makes is for /openapi.json on this server.
            headers[Self.contentSecurityPolicy] =
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"
            return Response(
                status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: DocsPage.html)))
        }
    }
}
