import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchboardCore
@testable import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// openapi.yaml is complete (every route the router registers is documented, and nothing else is), it is what the
/// server serves at /openapi.json, and /docs renders it without loading anything from elsewhere (issue 9).
@Suite struct OpenAPIDocumentTests {
    /// `METHOD /path` for every operation in the served document; a trailing slash is dropped, as the router does.
    static func documentedOperations() throws -> Set<String> {
        let bytes = try OpenAPIDocument.json.get()
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations = Set<String>()
        for (path, item) in paths {
            let normalized = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            for method in ["get", "put", "post", "delete", "patch", "head", "options"] where item[method] != nil {
                operations.insert("\(method.uppercased()) \(normalized)")
            }
        }
        return operations
    }

    @Test func everyRegisteredRouteIsDocumentedAndEveryDocumentedOperationIsRouted() async throws {
        try await withStore(.sqlite) { store in
            var configuration = ServerConfiguration(port: 0)
            // With the control API on, so its routes are held to the document too.
            configuration.control = ControlConfiguration(adminToken: "admin-token-for-the-test")
            let router = buildRouter(
                store: store, configuration: configuration,
                shared: SharedState(store: store, configuration: configuration, metrics: ServerMetrics()))
            let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
            let documented = try Self.documentedOperations()
            #expect(routed.subtracting(documented).sorted() == [], "routes missing from openapi.yaml")
            #expect(documented.subtracting(routed).sorted() == [], "operations in openapi.yaml that no route serves")
            #expect(routed.count >= 21)
        }
    }

    @Test func servedDocumentIsTheRepositoryOpenAPIYAML() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let onDisk = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        #expect(OpenAPIDocument.yaml == onDisk, "rebuild: the embedded openapi.yaml is stale")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json.get())) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
    }

    @Test func openAPIJSONAndDocsAreServedWithoutAToken() async throws {
        try await withStore(.sqlite) { store in
            try await makeApplication(store: store).test(.router) { client in
                let json = try await client.execute(uri: "/openapi.json", method: .get)
                #expect(json.status == .ok)
                #expect(json.headers[.contentType] == "application/json; charset=utf-8")
                // The document as written, but for `servers`, which names the host the request reached.
                let served = try #require(
                    try JSONSerialization.jsonObject(with: Data(json.body.readableBytesView)) as? [String: Any])
                var written = try #require(
                    try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json.get())) as? [String: Any])
                written["servers"] = served["servers"]
                #expect(NSDictionary(dictionary: served).isEqual(to: written))
                let servers = try #require(served["servers"] as? [[String: String]])
                #expect(servers.count == 1 && servers[0]["url"]?.hasPrefix("http://") == true)
                let docs = try await client.execute(uri: "/docs", method: .get)
                #expect(docs.status == .ok)
                #expect(docs.headers[.contentType] == "text/html; charset=utf-8")
                let policy = try #require(docs.headers[DocsController.contentSecurityPolicy])
                #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"))
                let page = String(buffer: docs.body)
                #expect(page.contains(#"fetch("/openapi.json")"#))
                // Nothing is fetched from anywhere else: no absolute URLs, no external scripts or styles.
                #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("src="))
            }
        }
    }

    /// `servers` names the server as the request reached it; a host that is not a plain host and port keeps the
    /// document's own.
    @Test func serversFollowTheRequestsHost() throws {
        func servers(_ host: String?, _ proto: String? = nil) throws -> [[String: String]] {
            let bytes = try OpenAPIDocument.json(host: host, forwardedProto: proto).get()
            let document = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            return try #require(document["servers"] as? [[String: String]])
        }
        #expect(try servers("api.example.com:9000").map { $0["url"] } == ["http://api.example.com:9000"])
        #expect(try servers("[::1]:8080", "HTTPS").map { $0["url"] } == ["https://[::1]:8080"])
        let written = [["url": "http://127.0.0.1:8080", "description": "`switchboard serve` with its defaults"]]
        #expect(try servers(nil) == written)
        #expect(try servers(#"evil"host"#) == written)
        #expect(try servers("a/b") == written)
        #expect(try servers(String(repeating: "a", count: 256)) == written)
        #expect(try OpenAPIDocument.json(host: nil, forwardedProto: nil).get() == (try OpenAPIDocument.json.get()))
    }

    @Test func conversionKeepsOrderAndReadsOnlyJSONTypes() throws {
        let yaml = """
            b: 1
            a: [true, null, 2.5, "3", 2021-04-15, v3, 'x: y']
            nested: {z: {}, y: []}
            """
        let json = String(decoding: try OpenAPIDocument.convert(yaml: yaml), as: UTF8.self)
        #expect(json == #"{"b":1,"a":[true,null,2.5,"3","2021-04-15","v3","x: y"],"nested":{"z":{},"y":[]}}"#)
    }

    @Test func conversionRejectsBrokenYAML() {
        #expect(throws: OpenAPIDocument.ConversionError.self) { try OpenAPIDocument.convert(yaml: "a: [1, 2\n") }
    }
}
