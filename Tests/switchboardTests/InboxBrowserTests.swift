import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardTestSupport
import Testing

/// The web inbox at `/ui/` as its users meet it: `switchboard serve --demo` started as the README starts it prints
/// the inbox's address; its files are served with their types, caching and a Content-Security-Policy; and headless
/// Chromium, driven by `scripts/inbox/drive_inbox.py`, refuses a wrong token, signs in, reads the long conversation to
/// its first message in the API's order, filters by type, searches, sees messages arrive live (and those sent while
/// the stream was down, once), replies, shows a hostile body as text, plays call recordings, works from the keyboard
/// alone, fits a phone and has a dark theme, with no console error, failed load or dialog on the way.
///
/// `scripts/test.sh` sets `SWITCHBOARD_CHROMIUM`. The screenshots of each step are kept in `SWITCHBOARD_ARTEFACTS`
/// when set, else in `.build/test-artefacts/inbox/`, with the driver's report (`report.json`).
@Suite struct InboxBrowserTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private struct ConfigurationMissing: Error, CustomStringConvertible {
        var description: String {
            "SWITCHBOARD_CHROMIUM is not set: run scripts/test.sh, or point it at a Chromium (apt-get install chromium)"
        }
    }

    /// A `serve --demo` on an in-memory store, and what it printed.
    struct Inbox {
        var server: ServerProcess
        var token: String
        var location: String
        var longConversation: String
        /// The `inbox: …` line's address, and its origin.
        var address: String
        var base: String
    }

    static func startInbox() async throws -> Inbox {
        let server = try ServerProcess(database: ":memory:", arguments: ["--demo"])
        // Ready once it has printed `listening on …` and answers /healthz; the `inbox:` line may come before or just
        // after that one.
        var ready = false
        for _ in 0..<600 where !ready {
            if server.output.contains(where: { $0.hasPrefix("listening on ") }),
                let health = try? await server.get("/healthz", headers: [:]), health.status == 200
            {
                ready = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try #require(ready, "serve --demo did not start: \(server.output)")
        for _ in 0..<20 where !server.output.contains(where: { $0.hasPrefix("inbox: ") }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let lines = server.output
        let location = String(try #require(lines.first { $0.hasPrefix("location: ") }).dropFirst("location: ".count))
        let token = String(try #require(lines.first { $0.hasPrefix("token: ") }).dropFirst("token: ".count))
        let long = try #require(
            lines.first { $0.hasPrefix("conversation: ") && $0.hasSuffix(" Long mixed history (150 messages)") },
            "\(lines)")
        let inboxLine = try #require(lines.first { $0.hasPrefix("inbox: ") }, "serve prints no `inbox:` line: \(lines)")
        let address = String(inboxLine.dropFirst("inbox: ".count))
        #expect(address == "\(server.baseURL)/ui/#location=\(location)")
        let url = try #require(URL(string: address))
        let base = "\(try #require(url.scheme))://\(try #require(url.host)):\(try #require(url.port))"
        #expect(url.fragment == "location=\(location)")
        return Inbox(
            server: server, token: token, location: location,
            longConversation: String(long.split(separator: " ")[1]), address: address, base: base)
    }

    static func fetch(_ url: String, headers: [(String, String)] = []) async throws
        -> (status: UInt, headers: HTTPHeaders, body: ByteBuffer)
    {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (response.status.code, response.headers, try await response.body.collect(upTo: 4 << 20))
    }

    // MARK: The files

    @Test func theInboxFilesAreServedWithTheirTypesCachingAndAPolicy() async throws {
        let inbox = try await Self.startInbox()
        defer { inbox.server.stop() }
        let page = try await Self.fetch(inbox.base + "/ui/")
        #expect(page.status == 200)
        #expect(page.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
        let etag = try #require(page.headers.first(name: "ETag"), "GET /ui/ has no ETag")
        #expect(!etag.isEmpty)
        #expect(page.headers.first(name: "Cache-Control") != nil, "GET /ui/ has no Cache-Control")
        let policy = try #require(
            page.headers.first(name: "Content-Security-Policy"), "GET /ui/ has no Content-Security-Policy")
        #expect(policy.contains("script-src 'self'"), "\(policy)")
        let scriptSource = policy.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("script-src") }
        #expect(scriptSource?.contains("'unsafe-inline'") == false, "\(policy)")
        #expect(String(buffer: page.body).contains("<html"), "\(String(buffer: page.body).prefix(200))")

        let cached = try await Self.fetch(inbox.base + "/ui/", headers: [("If-None-Match", etag)])
        #expect(cached.status == 304)
        #expect(cached.body.readableBytes == 0)

        var total = page.body.readableBytes
        for (path, type) in [
            ("/ui/inbox.js", "text/javascript; charset=utf-8"), ("/ui/inbox.css", "text/css; charset=utf-8"),
            ("/ui/icon.svg", "image/svg+xml"),
        ] {
            let file = try await Self.fetch(inbox.base + path)
            #expect(file.status == 200, "\(path)")
            #expect(file.headers.first(name: "Content-Type") == type, "\(path)")
            #expect(file.headers.first(name: "ETag") != nil, "\(path) has no ETag")
            #expect(file.body.readableBytes > 0, "\(path)")
            total += file.body.readableBytes
        }
        #expect(total < 150_000, "the inbox's four files are \(total) bytes")
        #expect(try await Self.fetch(inbox.base + "/ui/nope.js").status == 404)
    }

    // MARK: The browser

    /// What drive_inbox.py measured (every field optional: a run that stopped early reports what it reached).
    struct Report: Decodable {
        struct Emails: Decodable {
            var emailMessages: Int
            var iframes: Int
            var sandboxed: Int
            var allowScripts: Int
            var audio: Int
            var apiEmailMessages: Int
        }
        struct LiveOther: Decodable {
            var id: String
            var movedToTop: Bool
            var unreadBefore: String?
            var unreadAfter: String?
            var apiUnreadAfter: Int?
            var threadStillOpen: String?
            var inThread: Int
        }
        /// Where the thread's order first differs from the API's: the index, and [id, dateAdded] pairs around it.
        struct Mismatch: Decodable, CustomStringConvertible {
            var index: Int
            var shown: [[String?]]
            var api: [[String?]]
            var description: String {
                let pairs = { (rows: [[String?]]) in rows.map { $0.map { $0 ?? "nil" }.joined(separator: " ") } }
                return "at \(index): shown \(pairs(shown)), the API's (reversed) \(pairs(api))"
            }
        }
        struct Recordings: Decodable {
            var conversation: String
            var audio: Int
            var apiRecordings: Int
            var sourcesMatchApi: Bool
            var statuses: [Int]
        }
        struct Comments: Decodable {
            var conversation: String
            var types: [String]
            var count: Int
            var apiCount: Int
            var idsMatchApi: Bool
        }
        struct Favicon: Decodable {
            var href: String?
            var url: String
            var status: Int?
        }
        var error: String?
        var step: String?
        var traceback: String?
        var screenshots: [String]?
        var timings: [String: Int]?
        var timeouts: [String]?
        var locationPrefilled: String?
        var tokenInputType: String?
        var signInErrorText: String?
        var signInErrorInboxHidden: Bool?
        var firstPaintMs: Double?
        var firstPaintSignedInMs: Double?
        var listCount: Int?
        var listComplete: Bool?
        var listIds: [String]?
        var listNames: [String]?
        var listUnread: [String?]?
        var listStarred: [String?]?
        var listChannels: [String?]?
        var apiListIds: [String]?
        var apiListNames: [String]?
        var apiListUnread: [String]?
        var apiListChannels: [String?]?
        var sessionStorageHasToken: Bool?
        var localStorageLength: Int?
        var localStorageHasToken: Bool?
        var cookies: String?
        var liveAfterSignIn: String?
        var signedInAfterNavigation: Bool?
        var threadFirstPageCount: Int?
        var threadStartsAtBottom: Bool?
        var threadCount: Int?
        var threadComplete: Bool?
        var threadIdsUnique: Bool?
        var threadApiCount: Int?
        var threadOldestFirst: Bool?
        var threadOrderMismatch: Mismatch?
        var threadTitle: String?
        var apiThreadContactName: String?
        var threadTypesShown: [String]?
        var threadApiTypes: [String]?
        var threadEmails: Emails?
        var openedUnread: String?
        var apiUnreadAfterOpen: Int?
        var starPressed: String?
        var typeChips: [String]?
        var filteredTypes: [String]?
        var filteredCount: Int?
        var filteredIdsMatchApi: Bool?
        var filteredOrderMismatch: Mismatch?
        var apiSmsCount: Int?
        var unfilteredTypesAfterChipOff: [String]?
        var searchQuery: String?
        var searchResultNames: [String]?
        var searchResultIds: [String]?
        var apiSearchIds: [String]?
        var apiSearchNames: [String]?
        var searchClearedValue: String?
        var searchClearedCount: Int?
        var liveBefore: String?
        var liveOther: LiveOther?
        var liveText: String?
        var liveMs: Double?
        var liveMovedToTop: Bool?
        var liveCount: Int?
        var livePreview: String?
        var liveBodyShown: Int?
        var typingShown: Bool?
        var typingText: String?
        var typingHidden: Bool?
        var resumeDuringDropCount: Int?
        var resumeMs: Double?
        var resumeCount: Int?
        var resumeBodyCount: Int?
        var liveStatesDuringDrop: [String?]?
        var liveAfterResume: String?
        var resumeThreadIdsUnique: Bool?
        var composeTypes: [String]?
        var composerShownMs: Double?
        var composerReadBack: Bool?
        var composerApiType: String?
        var composerApiDirection: String?
        var composerCount: Int?
        var composerIdCount: Int?
        var composerClearedBody: Bool?
        var hostileText: String?
        var hostileImgCount: Int?
        var hostileImgCountDocument: Int?
        var dialogs: Int?
        var recordings: Recordings?
        var comments: Comments?
        var tabsToList: Int?
        var tabFocusedRow: Int?
        var arrowMovedTo: Int?
        var arrowUpMovedTo: Int?
        var focusVisible: Bool?
        var keyboardOpened: Bool?
        var phoneSignedIn: Bool?
        var phoneScrollWidth: Int?
        var phoneWindowWidth: Int?
        var phoneOverflowing: [String]?
        var lightBackground: String?
        var darkBackground: String?
        var resumedFrom: [String?]?
        var lightLowContrast: [String]?
        var darkLowContrast: [String]?
        var unlabelledControls: [String]?
        var apiStarredAfterStar: Bool?
        var subjectShownForEmail: Bool?
        var emailApiDirection: String?
        var emailApiSubject: String?
        var emailSubject: String?
        var apiListTotal: Int?
        var listFirstPageAfterPaging: Int?
        var listAfterScrolling: Int?
        var listIdsUniqueAfterScrolling: Bool?
        var consoleErrors: [String]?
        var inducedProblems: [String]?
        var canceledLoads: [String]?
        var favicon: Favicon?
    }

    /// Where the screenshots and the report stay after the test.
    static func artefacts() throws -> URL {
        let directory: URL
        if let path = ProcessInfo.processInfo.environment["SWITCHBOARD_ARTEFACTS"], !path.isEmpty {
            directory = URL(fileURLWithPath: path)
        } else {
            directory = root.appendingPathComponent(".build/test-artefacts/inbox")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Runs the driver to its end (killed after four minutes: its own waits are bounded well within that); its
    /// standard output, standard error and exit status.
    static func drive(_ arguments: [String]) async throws -> (Data, String, Int32) {
        let child = try ChildProcess(arguments, stdout: .pipe, stderr: .pipe)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(240))
            kill(child.processIdentifier, SIGTERM)
        }
        defer { watchdog.cancel() }
        async let output = ChildProcess.readToEnd(child.standardOutput)
        async let errors = ChildProcess.readToEnd(child.standardError)
        let (out, err) = await (output, errors)
        return (out, String(decoding: err, as: UTF8.self), await child.exitStatus())
    }

    /// The brightness (0-255, the mean of the channels) of a CSS `rgb(…)`/`rgba(…)` colour.
    static func brightness(_ color: String?) -> Double? {
        guard let color, let open = color.firstIndex(of: "("), let close = color.lastIndex(of: ")") else { return nil }
        let channels = color[color.index(after: open)..<close].split(separator: ",").prefix(3)
            .compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return channels.count == 3 ? channels.reduce(0, +) / 3 : nil
    }

    @Test func aPersonReadsSearchesAndRepliesInTheInboxInChromium() async throws {
        guard let chromium = ProcessInfo.processInfo.environment["SWITCHBOARD_CHROMIUM"], !chromium.isEmpty else {
            throw ConfigurationMissing()
        }
        let inbox = try await Self.startInbox()
        defer { inbox.server.stop() }
        let artefacts = try Self.artefacts()
        let location = String(try #require(inbox.address.split(separator: "#location=").last))
        let (output, errors, status) = try await Self.drive([
            "/usr/bin/env", "python3", Self.root.appendingPathComponent("scripts/inbox/drive_inbox.py").path,
            chromium, inbox.base, inbox.token, location, inbox.longConversation, artefacts.path,
        ])
        try? output.write(to: artefacts.appendingPathComponent("report.json"))
        let report: Report
        do {
            report = try JSONDecoder().decode(Report.self, from: output)
        } catch {
            Issue.record("drive_inbox.py (status \(status)) printed no report: \(String(decoding: output, as: UTF8.self).prefix(2000)) \(errors.suffix(2000))")
            throw error
        }
        print("inbox timings (ms): \(report.timings ?? [:]); first paint \(report.firstPaintMs ?? -1) / signed in \(report.firstPaintSignedInMs ?? -1); live \(report.liveMs ?? -1); resume \(report.resumeMs ?? -1); composer \(report.composerShownMs ?? -1); screenshots in \(artefacts.path)")
        #expect(status == 0)
        #expect(report.error == nil, "step \(report.step ?? "?"): \(report.error ?? "")\n\(report.traceback ?? "")")
        #expect(report.timeouts == [])

        // 1. The sign-in page, and the first paint.
        #expect(report.locationPrefilled == location)
        #expect(report.tokenInputType == "password")
        let firstPaint = try #require(report.firstPaintMs, "no first-contentful-paint")
        #expect(firstPaint < 3000, "first contentful paint after \(firstPaint) ms")
        let signedInPaint = try #require(report.firstPaintSignedInMs, "no first-contentful-paint when signed in")
        #expect(signedInPaint < 3000, "first contentful paint (signed in) after \(signedInPaint) ms")

        // 2. A wrong token is refused on the form; with the right one, the list, as the API orders it; the token in
        // sessionStorage only.
        #expect(report.signInErrorText?.isEmpty == false)
        #expect(report.signInErrorInboxHidden == true)
        #expect(report.listComplete == true)
        #expect(report.listCount == 10)
        #expect(report.listIds == report.apiListIds)
        #expect(report.listNames == report.apiListNames)
        #expect(report.listUnread == report.apiListUnread.map { $0.map(Optional.some) })
        #expect(report.listChannels == report.apiListChannels)
        #expect(report.listStarred == Array(repeating: String?.some("false"), count: report.listCount ?? 0))
        #expect(report.sessionStorageHasToken == true)
        #expect(report.localStorageLength == 0)
        #expect(report.localStorageHasToken == false)
        #expect(report.cookies == "")
        #expect(report.liveAfterSignIn == "open")
        #expect(report.signedInAfterNavigation == true)

        // 3. The long conversation: all 150 messages, once each, oldest first; opened means read.
        #expect(report.threadCount == 150)
        #expect(report.threadApiCount == 150)
        #expect(report.threadComplete == true)
        #expect(report.threadIdsUnique == true)
        #expect(report.threadOldestFirst == true, "\(report.threadOrderMismatch.map(String.init(describing:)) ?? "")")
        #expect(report.threadStartsAtBottom == true)
        #expect(report.threadTitle != nil && report.threadTitle == report.apiThreadContactName)
        #expect(report.threadTypesShown == report.threadApiTypes)
        let emails = try #require(report.threadEmails)
        #expect(emails.emailMessages == emails.apiEmailMessages)
        #expect(emails.iframes == emails.sandboxed)
        #expect(emails.allowScripts == 0)
        #expect(report.openedUnread == "0")
        #expect(report.apiUnreadAfterOpen == 0)
        #expect(report.starPressed == "false")

        // 4. The TYPE_SMS chip: only SMS, every one the API has.
        #expect(report.typeChips?.contains("TYPE_SMS") == true)
        #expect(report.filteredTypes == ["TYPE_SMS"])
        #expect(report.apiSmsCount ?? 0 > 0)
        #expect(report.filteredCount == report.apiSmsCount)
        #expect(report.filteredIdsMatchApi == true, "\(report.filteredOrderMismatch.map(String.init(describing:)) ?? "")")
        #expect((report.unfilteredTypesAfterChipOff?.count ?? 0) > 1)

        // 5. Search by a contact's name: the API's answer.
        let query = try #require(report.searchQuery)
        #expect(!query.isEmpty)
        #expect(report.searchResultIds == report.apiSearchIds)
        #expect(report.searchResultNames == report.apiSearchNames)
        #expect(report.searchResultNames?.contains(query) == true)
        #expect(report.searchClearedValue == "")
        #expect(report.searchClearedCount == report.listCount)

        // 6. Live: an inbound message moves its conversation to the top and appears in the open thread, once; one
        // sent while the stream was down appears once it is back, once.
        #expect(report.liveBefore == "open")
        let other = try #require(report.liveOther)
        #expect(other.movedToTop)
        #expect(other.unreadAfter == other.unreadBefore.flatMap(Int.init).map { String($0 + 1) })
        #expect(other.apiUnreadAfter == other.unreadAfter.flatMap(Int.init))
        #expect(other.threadStillOpen == inbox.longConversation)
        #expect(other.inThread == 0)
        let live = try #require(report.liveMs)
        #expect(live < 1000, "a live message took \(live) ms to appear")
        #expect(report.liveMovedToTop == true)
        #expect(report.liveCount == 1)
        #expect(report.liveBodyShown == 1)
        #expect(report.livePreview?.contains(report.liveText ?? "\u{0}") == true, "\(report.livePreview ?? "nil")")
        // Live chat's typing indicator (`LiveChatTyping`) shows in the open conversation and goes when it stops.
        #expect(report.typingShown == true)
        #expect(report.typingText == "Typing…")
        #expect(report.typingHidden == true)
        #expect(report.resumeDuringDropCount == 0)
        #expect(report.liveStatesDuringDrop?.contains { $0 != "open" } == true, "\(report.liveStatesDuringDrop ?? [])")
        #expect(report.liveStatesDuringDrop?.last == "open")
        let resume = try #require(report.resumeMs)
        #expect(resume < 10_000, "the message sent while the stream was down took \(resume) ms after it came back")
        #expect(report.resumeCount == 1)
        // The reconnection after the drop asked to resume after the last event it had read (`EPOCH.SEQUENCE`).
        let resumedFrom = try #require(report.resumedFrom)
        #expect(resumedFrom.first == .some(nil), "\(resumedFrom)")
        #expect(
            resumedFrom.dropFirst().contains { $0?.range(of: #"^[0-9a-z]+\.[0-9]+$"#, options: .regularExpression) != nil },
            "\(resumedFrom)")
        #expect(report.resumeBodyCount == 1)
        #expect(report.liveAfterResume == "open")
        #expect(report.resumeThreadIdsUnique == true)

        // 7. The composer: shown at once, stored, shown once.
        #expect(report.composeTypes.map(Set.init)?.isSuperset(of: ["SMS", "Email"]) == true)
        let shown = try #require(report.composerShownMs)
        #expect(shown < 1000, "the sent message took \(shown) ms to show")
        #expect(report.composerReadBack == true)
        #expect(report.composerApiType == "TYPE_SMS")
        #expect(report.composerApiDirection == "outbound")
        #expect(report.composerCount == 1)
        #expect(report.composerIdCount == 1)
        #expect(report.composerClearedBody == true)

        // 8. A hostile body is text.
        #expect(report.hostileText == "<img src=x onerror=alert(1)>")
        #expect(report.hostileImgCount == 0)
        #expect(report.hostileImgCountDocument == 0)
        #expect(report.dialogs == 0)
        let recordings = try #require(report.recordings, "no conversation with call recordings")
        #expect(recordings.apiRecordings > 0)
        #expect(recordings.audio == recordings.apiRecordings)
        #expect(recordings.sourcesMatchApi)
        #expect(recordings.statuses == Array(repeating: 200, count: recordings.audio))
        // The TYPE_INTERNAL_COMMENTS chip shows the internal comments (messageType TYPE_INTERNAL_COMMENT).
        let comments = try #require(report.comments, "no conversation with internal comments")
        #expect(comments.types == ["TYPE_INTERNAL_COMMENT"])
        #expect(comments.apiCount > 0)
        #expect(comments.count == comments.apiCount)
        #expect(comments.idsMatchApi)

        // 9. The keyboard alone.
        let tabs = try #require(report.tabsToList, "Tab never reached a button.open from input#search")
        #expect(tabs <= 15)
        let row = try #require(report.tabFocusedRow)
        #expect(report.arrowMovedTo == row + 1)
        #expect(report.arrowUpMovedTo == row)
        #expect(report.focusVisible == true)
        #expect(report.keyboardOpened == true)

        // 10. A phone.
        #expect(report.phoneSignedIn == true)
        #expect(report.phoneWindowWidth == 375)
        #expect(report.phoneScrollWidth == 375)
        #expect(report.phoneOverflowing == [])

        // 11. The dark theme.
        let light = try #require(Self.brightness(report.lightBackground), "\(report.lightBackground ?? "nil")")
        let dark = try #require(Self.brightness(report.darkBackground), "\(report.darkBackground ?? "nil")")
        #expect(light > 180 && dark < 80, "light \(report.lightBackground ?? ""), dark \(report.darkBackground ?? "")")
        // Every visible text at least 4.5:1 against what is behind it (WCAG AA), in both themes.
        #expect(report.lightLowContrast == [])
        #expect(report.darkLowContrast == [])

        // 12. Every control labelled; the star; an email from the composer, with its subject; the list's paging.
        #expect(report.unlabelledControls == [])
        #expect(report.apiStarredAfterStar == true)
        #expect(report.subjectShownForEmail == true)
        #expect(report.emailApiDirection == "outbound")
        #expect(report.emailApiSubject != nil && report.emailApiSubject == report.emailSubject)
        // 12 more conversations than the demo's 10: the first page is 20, scrolling loads the rest, once each.
        #expect(report.apiListTotal == 22)
        #expect(report.listFirstPageAfterPaging == 20)
        #expect(report.listAfterScrolling == 22)
        #expect(report.listIdsUniqueAfterScrolling == true)

        // The whole run: no console error, exception, failed load or dialog; every step's screenshot.
        #expect(report.consoleErrors == [])
        #expect(report.favicon?.status == 200)
        let screenshots = try #require(report.screenshots)
        #expect(screenshots.map { URL(fileURLWithPath: $0).lastPathComponent } == [
            "01-sign-in.png", "02-inbox.png", "03-thread.png", "04-filter-sms.png", "05-search.png", "06-live.png",
            "07-composer.png", "08-hostile.png", "09-keyboard.png", "10-phone.png", "11-dark.png", "12-paging.png",
        ])
        for path in screenshots {
            let png = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(path)")
        }
    }
}
