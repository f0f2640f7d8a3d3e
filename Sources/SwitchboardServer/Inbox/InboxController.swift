import Crypto
import Hummingbird
import HTTPTypes
import NIOCore
import SwitchboardCore

/// The web inbox at `/ui/`: the files of the repository's `ui/` folder, compiled into the binary. The inbox is a
/// client of the public API (and of the live event stream); these routes serve only its files, without a token.
///
/// Every answer carries a strong `ETag` (its content's hash) and `Cache-Control: no-cache`, so a browser revalidates
/// and gets a 304 until the binary changes; and a Content-Security-Policy that lets the page run only its own script
/// and style, reach only this server, and be framed by no one. Email bodies render in sandboxed frames under it.
struct InboxController: Sendable {
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
        let etag: String
    }

    static let policy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
        "media-src 'self'", "connect-src 'self'", "frame-src 'self'", "base-uri 'none'", "form-action 'none'",
        "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// The inbox's files by name, read once from the embedded copies.
    static let assets: [String: Asset] = EmbeddedInboxFiles.files.reduce(into: [:]) { assets, file in
        let etag = "\"" + SHA256.hash(data: Array(file.value.utf8)).prefix(12).hexEncoded + "\""
        assets[file.key] = Asset(bytes: ByteBuffer(string: file.value), contentType: contentType(of: file.key), etag: etag)
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json", "webmanifest": "application/json"
        default: "application/octet-stream"
        }
    }

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        // The router matches `/ui` and `/ui/` alike: the page's address is the one with the slash.
        router.get("/ui") { request, _ in
            guard request.uri.path.hasSuffix("/") else {
                return Response(status: .movedPermanently, headers: [.location: "/ui/"])
            }
            return try Self.serve("index.html", for: request)
        }
        router.get("/ui/:file") { request, context in
            try Self.serve(context.parameters.get("file") ?? "", for: request)
        }
    }

    static func serve(_ name: String, for request: Request) throws -> Response {
        guard let asset = assets[name] else {
            throw SwitchboardError.routeNotFound(method: request.method.rawValue, path: request.uri.path)
        }
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
            DocsController.contentSecurityPolicy: policy,
            Self.contentTypeOptions: "nosniff", Self.referrerPolicy: "no-referrer",
        ]
        if EntityTag.ifNoneMatch(request.headers[.ifNoneMatch], matches: asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(asset.bytes.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.bytes))
    }

    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!  // a valid literal field name
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!  // a valid literal field name
}
