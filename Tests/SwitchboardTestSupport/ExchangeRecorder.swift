import Foundation
import Synchronization
public import Hummingbird
public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTP1
public import ServiceLifecycle

/// Records every HTTP exchange the test suites make with the real application, so that `scripts/test.sh` can check
/// each one against `openapi.yaml` (scripts/openapi/validate_exchanges.py).
///
/// Off unless `SWITCHBOARD_RECORD_EXCHANGES` names a directory; each test process then appends one JSON line per
/// exchange to its own file there: method, target, status, headers, and both bodies (as text, or base64 when they
/// are not UTF-8).
public final class ExchangeRecorder: Sendable {
    public static let environmentKey = "SWITCHBOARD_RECORD_EXCHANGES"
    /// Bodies are buffered to be recorded; none of the suites sends more than this.
    static let maximumRecordedBody = 64 << 20

    /// The recorder of this test process, if recording was asked for.
    public static let shared: ExchangeRecorder? = {
        guard let directory = ProcessInfo.processInfo.environment[environmentKey], !directory.isEmpty else {
            return nil
        }
        return ExchangeRecorder(directory: URL(fileURLWithPath: directory))
    }()

    private let file: Mutex<FileHandle?>

    init?(directory: URL) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let url = directory.appendingPathComponent("exchanges-\(getpid())-\(UUID().uuidString).ndjson")
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else { return nil }
            file = Mutex(try FileHandle(forWritingTo: url))
        } catch {
            return nil
        }
    }

    struct Exchange: Encodable {
        var method: String
        var target: String
        var requestHeaders: [[String]]
        var requestBody: String?
        var requestBodyBase64: String?
        var status: Int
        var responseHeaders: [[String]]
        var responseBody: String?
        var responseBodyBase64: String?
    }

    func record(_ exchange: Exchange) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(exchange) else { return }
        line.append(UInt8(ascii: "\n"))
        file.withLock { handle in handle?.write(line) }
    }

    static func headers(_ fields: HTTPFields) -> [[String]] {
        fields.map { [$0.name.canonicalName, $0.value] }
    }

    /// The body as text, or as base64 when it is not UTF-8.
    static func body(_ buffer: ByteBuffer?) -> (text: String?, base64: String?) {
        guard let buffer, buffer.readableBytes > 0 else { return (nil, nil) }
        let bytes = Array(buffer.readableBytesView)
        if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (nil, Data(bytes).base64EncodedString())
    }
}

/// An application that answers exactly as `base` does and records each exchange when recording is on.
public struct RecordingApplication<Base: ApplicationProtocol>: ApplicationProtocol {
    public typealias Responder = RecordingResponder<Base.Responder>

    let base: Base
    let recorder: ExchangeRecorder?

    public init(_ base: Base, recorder: ExchangeRecorder? = ExchangeRecorder.shared) {
        self.base = base
        self.recorder = recorder
    }

    public var responder: Responder {
        get async throws { RecordingResponder(base: try await base.responder, recorder: recorder) }
    }
    public var server: HTTPServerBuilder { base.server }
    public var eventLoopGroup: any EventLoopGroup { base.eventLoopGroup }
    public var configuration: ApplicationConfiguration { base.configuration }
    public var logger: Logger { base.logger }
    public var services: [any Service] { base.services }
    public var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { base.processesRunBeforeServerStart }
    public func onServerRunning(_ channel: any Channel) async { await base.onServerRunning(channel) }
}

public struct RecordingResponder<Base: HTTPResponder>: HTTPResponder {
    public typealias Context = Base.Context

    let base: Base
    let recorder: ExchangeRecorder?

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard let recorder else { return try await base.respond(to: request, context: context) }
        var request = request
        // A body that cannot be read whole (broken framing, or beyond the limit) ends the exchange here, unrecorded:
        // the error goes to Hummingbird as the application's own reading of it would.
        let requestBody = try await request.collectBody(upTo: ExchangeRecorder.maximumRecordedBody)
        var exchange = ExchangeRecorder.Exchange(
            method: request.method.rawValue, target: request.uri.description,
            requestHeaders: ExchangeRecorder.headers(request.headers), status: 0, responseHeaders: [])
        (exchange.requestBody, exchange.requestBodyBase64) = ExchangeRecorder.body(requestBody)
        let response: Response
        do {
            response = try await base.respond(to: request, context: context)
        } catch let error as HTTPParserError {
            throw error  // a malformed request: Hummingbird answers 400 and closes the connection
        } catch {
            // Hummingbird answers any other error that escapes the router with an empty 500: recorded, it fails the
            // OpenAPI check, as it should.
            exchange.status = 500
            recorder.record(exchange)
            throw error
        }
        let collector = CollectingWriter()
        try await response.body.write(collector)
        let responseBody = collector.box.contents
        exchange.status = response.status.code
        exchange.responseHeaders = ExchangeRecorder.headers(response.headers)
        (exchange.responseBody, exchange.responseBodyBase64) = ExchangeRecorder.body(responseBody)
        recorder.record(exchange)
        return Response(status: response.status, headers: response.headers, body: ResponseBody(byteBuffer: responseBody))
    }
}

/// Gathers a response body in memory.
struct CollectingWriter: ResponseBodyWriter {
    final class Box: Sendable {
        private let buffer = Mutex(ByteBuffer())
        func append(_ part: ByteBuffer) {
            var part = part
            _ = buffer.withLock { $0.writeBuffer(&part) }
        }
        var contents: ByteBuffer { buffer.withLock { $0 } }
    }

    let box = Box()

    mutating func write(_ buffer: ByteBuffer) async throws {
        box.append(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
