import Foundation
import HummingbirdTesting
import SwitchboardCore
@testable import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// The `/docs` page as a reader meets it (issue 19): rendered by headless Chromium from a server on a real socket,
/// at a desktop's width and at a phone's, with nothing reaching past the window, every operation shown with its
/// curl line, and the read operations' curl lines answering when run as the page prints them.
///
/// `scripts/test.sh` installs Chromium (Debian's `chromium`) and sets `SWITCHBOARD_CHROMIUM`;
/// `scripts/docs/check_page.py` drives it over the DevTools protocol and saves a screenshot per width.
@Suite struct DocsPageBrowserTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private struct ConfigurationMissing: Error, CustomStringConvertible {
        var description: String {
            "SWITCHBOARD_CHROMIUM is not set: run scripts/test.sh, or point it at a Chromium (apt-get install chromium)"
        }
    }

    /// What check_page.py measured at one width.
    struct Measured: Decodable {
        var rendered: Bool
        var scrollWidth: Int
        var windowWidth: Int
        var overflowing: [String]
        var operations: Int
        var curl: [String: String]
        var examples: Int
        var screenshot: String
    }

    /// The document's operations: (operationId, whether it has a request body).
    static func documentedOperations() throws -> [(id: String, hasBody: Bool)] {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json.get())) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        return paths.values.flatMap { item in
            ["get", "post", "put", "patch", "delete"].compactMap { method -> (String, Bool)? in
                guard let operation = item[method] as? [String: Any], let id = operation["operationId"] as? String
                else { return nil }
                return (id, operation["requestBody"] != nil)
            }
        }
    }

    /// Runs `arguments` to its end; its standard output and exit status.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Data, Int32) {
        let child = try ChildProcess(
            arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            stdout: .pipe, stderr: .file("/dev/null"))
        let output = await ChildProcess.readToEnd(child.standardOutput)
        return (output, await child.exitStatus())
    }

    @Test func thePageFitsADesktopAndAPhoneAndItsCurlLinesRun() async throws {
        guard let chromium = ProcessInfo.processInfo.environment["SWITCHBOARD_CHROMIUM"], !chromium.isEmpty else {
            throw ConfigurationMissing()
        }
        let operations = try Self.documentedOperations()
        try await withStore(.sqlite) { store in
            let tenant = try await store.makeTenant()
            let contact = Contact(
                id: .generate(), locationId: tenant.location, firstName: "Ada", lastName: "Lovelace",
                email: "ada@example.com", dateAdded: testEpoch)
            try await store.createContact(contact, logger: .test)
            let conversation = ConversationID.generate()
            let messages = (0..<3).map { index in
                makeMessage(conversation: conversation, location: tenant.location, contact: contact.id, at: Int64(index) * 1000)
            }
            try await store.insertMessages(messages, logger: .test)
            try await makeApplication(store: store).test(.live) { client in
                let port = try #require(client.port)
                let screenshots = FileManager.default.temporaryDirectory
                    .appendingPathComponent("switchboard-docs-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: screenshots) }
                let (output, status) = try await Self.run([
                    "/usr/bin/env", "python3", Self.root.appendingPathComponent("scripts/docs/check_page.py").path,
                    chromium, "http://127.0.0.1:\(port)/docs", screenshots.path, "1400", "400",
                ])
                #expect(status == 0)
                let measured = try JSONDecoder().decode([String: Measured].self, from: output)
                for width in [1400, 400] {
                    let page = try #require(measured[String(width)])
                    #expect(page.rendered)
                    #expect(page.windowWidth == width)
                    #expect(page.scrollWidth == width, "\(width) px: the page is \(page.scrollWidth) px wide")
                    #expect(page.overflowing == [], "\(width) px")
                    #expect(page.operations == operations.count)
                    #expect(Set(page.curl.keys) == Set(operations.map(\.id)))
                    for operation in operations where operation.hasBody {
                        let line = try #require(page.curl[operation.id])
                        #expect(
                            line.contains("-d '") || line.contains("--data-urlencode '") || line.contains("-F \"")
                                || line.contains("--data-binary '@"),
                            "\(operation.id): \(line)")
                    }
                    #expect(page.examples >= operations.filter(\.hasBody).count)
                    // A PNG whose header (IHDR) says it is as wide as the window.
                    let png = try Data(contentsOf: URL(fileURLWithPath: page.screenshot))
                    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                    #expect(png.count > 24 && png[16..<20].reduce(0) { $0 << 8 | Int($1) } == width)
                }

                // The read operations' curl lines, exactly as the page shows them, with the variables set.
                let page = try #require(measured["400"])
                let variables = [
                    "SWITCHBOARD_TOKEN": tenant.token, "SWITCHBOARD_LOCATION_ID": tenant.location.rawValue,
                    "CONVERSATION_ID": conversation.rawValue, "MESSAGE_ID": messages[0].id.rawValue,
                    "CONTACT_ID": contact.id.rawValue,
                ]
                let expectations: [(operation: String, contains: String)] = [
                    ("get-messages", #""nextPage":false"#), ("get-message", messages[0].id.rawValue),
                    ("get-conversation", conversation.rawValue), ("get-contact", #""firstName":"Ada""#),
                    ("search-conversation", #""total":1"#), ("export-messages-by-location", #""total":3"#),
                    ("healthz", #""status":"ok""#),
                ]
                for (operation, expected) in expectations {
                    let line = try #require(page.curl[operation])
                    #expect(line.hasPrefix("curl -s \"http://127.0.0.1:\(port)/"), "\(line)")
                    let (body, status) = try await Self.run(["/bin/bash", "-c", line], environment: variables)
                    let text = String(decoding: body, as: UTF8.self)
                    #expect(status == 0)
                    #expect(text.contains(expected), "\(operation): \(text.prefix(300))")
                    #expect(!text.contains(#""statusCode""#), "\(operation): \(text.prefix(300))")
                }
            }
        }
    }
}
