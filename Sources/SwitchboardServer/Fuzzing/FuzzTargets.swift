import Foundation
import HummingbirdCore
import SwitchboardCore

/// What the coverage-guided fuzzer (`scripts/fuzz.sh`) feeds arbitrary bytes, and what the corpus replay test runs
/// on every saved input. Each target must never crash, and checks a property whose failure is a bug: it returns
/// the violated property, which the fuzzer turns into a crash (so libFuzzer keeps the input) and a test into a
/// failure.
@_spi(Fuzzing) public enum FuzzTargets {
    /// The first byte picks the target, so one binary and one corpus cover them all.
    public static func run(_ data: UnsafeRawBufferPointer) -> String? {
        guard let selector = data.first else { return nil }
        let input = UnsafeRawBufferPointer(rebasing: data[1...])
        switch selector % 3 {
        case 0: return requestHead(input)
        case 1: return pageTarget(input)
        default: return messageLine(input)
        }
    }

    /// `RequestHead.read`: a head it returns lies within the bytes and ends with the blank line, and a connection
    /// that scans for completeness would have noticed it.
    static func requestHead(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard case .head(_, let size) = RequestHead.read(bytes, limit: 64 << 10) else { return nil }
        guard size >= 4, size <= bytes.count else { return "a head of \(size) bytes in \(bytes.count)" }
        guard bytes[(size - 4)..<size].elementsEqual("\r\n\r\n".utf8) else { return "a head that does not end with a blank line" }
        guard RequestHead.mayBeComplete(bytes, searchedUpTo: 0) else { return "a whole head that the scan did not notice" }
        return nil
    }

    /// The hot path's reading of a page request's target against the router's: for any target the hot path
    /// accepts, the same conversation, limit, cursor and filter, hence the same cached answer.
    static func pageTarget(_ bytes: UnsafeRawBufferPointer) -> String? {
        let head = Array("GET ".utf8) + Array(bytes) + Array(" HTTP/1.1\r\nHost: f\r\n\r\n".utf8)
        let reading = head.withUnsafeBytes { RequestHead.read($0, limit: 64 << 10) }
        guard case .head(let request, _) = reading, !request.needsFullPath else { return nil }
        let location = LocationID(rawValue: "fuzz")
        guard let (hotKey, _) = HotPath.cacheKey(request.target, location: location), hotKey.kind == .page else {
            return nil
        }
        let uri = URI(request.target)
        let segments = uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 4, segments[1] == "conversations", segments[3] == "messages" else {
            return "the hot path took \(request.target) for a page; the router's path is \(uri.path)"
        }
        let routerQuery = try? MessagePageQuery(
            QueryParameters(uri), conversationId: ConversationID(rawValue: String(segments[2])), locationId: location)
        guard routerQuery.map(ResponseCache.Key.init(page:)) == hotKey else {
            return "the hot path and the router read \(request.target) differently"
        }
        return nil
    }

    /// The importer's byte parser against Foundation's decoder: a line the fast parser accepts decodes to the
    /// same message either way.
    static func messageLine(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let fast = MessageLineParser.parse(bytes.bindMemory(to: UInt8.self)) else { return nil }
        let slow = try? JSONDecoder().decode(Message.self, from: Data(bytes))
        return slow == fast ? nil : "the byte parser and JSONDecoder read a line differently"
    }
}
