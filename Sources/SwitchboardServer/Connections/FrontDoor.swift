import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization
import SwitchboardCore

/// First in each connection's pipeline, before NIO's HTTP parser. It owns what concerns the connection rather than
/// a request, on every connection whether or not the hot path is on:
/// - the connection cap: beyond it a connection is answered 503 and closed at once;
/// - the head deadline: a request head must arrive whole within `headerTimeout` of its first byte (slowloris);
///   its 408 is followed by a lingering close, so that a client still sending reads the answer, not a reset;
/// - the idle timeout, and backpressure: it stops reading while the peer does not read its responses.
///
/// With the hot path on, it also reads request heads from the raw bytes and answers those the hot path can answer;
/// every other request's bytes go, exactly, to the parser and Hummingbird behind it. Responses keep request order:
/// the hot path answers only while no handed-over request awaits its response (`ResponseLedger` counts them). A head
/// it cannot vouch for hands the rest of the connection over for good.
final class FrontDoorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    struct Limits {
        var idleTimeout: TimeAmount
        var headerTimeout: TimeAmount
        /// Bytes of head after which the head is NIO's to refuse.
        var headLimit: Int
    }

    private let hotPath: HotPath?
    private let limits: Limits
    private let connections: ConnectionCount
    private var counted = false
    private var refused = false
    /// The start of a request head that has not arrived whole, and how much of it was already searched for its end.
    private var unread: ByteBuffer?
    private var searchedUpTo = 0
    /// Body bytes of a handed-over request still to pass on.
    private var bodyToPass = 0
    /// Set once a head was unusual (or there is no hot path): NIO's parser reads the rest of the connection.
    private var handedOver: Bool
    /// Handed-over requests whose responses have not been written to the end.
    private var awaitingResponses = 0
    /// A handed-over request whose head reached Hummingbird and whose body has not ended.
    private var requestInProgress = false
    /// When the first byte of the head now arriving was read; nil between requests.
    private var headStarted: NIODeadline?
    private var needsFlush = false
    /// Reads are held while the channel is unwritable (a peer that sends but does not read).
    private var readHeld = false
    /// The last read, or the end of the last handed-over response.
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    private var headCheck: Scheduled<Void>?
    /// After a 408: the output is closed and what the peer still sends is read and dropped until it closes its side
    /// or `lingerTimeout` passes. Closing at once would make the peer's kernel answer its next bytes with a reset,
    /// which can discard the 408 before the peer reads it.
    private var lingering: Scheduled<Void>?
    static let lingerTimeout = TimeAmount.seconds(2)

    init(hotPath: HotPath?, limits: Limits, connections: ConnectionCount) {
        self.hotPath = hotPath
        self.limits = limits
        self.connections = connections
        handedOver = hotPath == nil
    }

    func handlerAdded(context: ChannelHandlerContext) {
        counted = true
        refused = !connections.open()
        if refused {
            if context.channel.isActive { refuse(context: context) }
            return
        }
        scheduleIdleCheck(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        headCheck?.cancel()
        lingering?.cancel()
        if counted {
            counted = false
            connections.close()
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        if refused {
            refuse(context: context)
        } else {
            context.fireChannelActive()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        headCheck?.cancel()
        lingering?.cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering != nil, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)  // the peer closed its side: it has read the answer
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Called by the `ResponseLedger` behind the parser when a request head reached Hummingbird.
    func handedOverRequestArrived() {
        awaitingResponses += 1
        requestInProgress = true
        headStarted = nil
    }

    /// Called by the `ResponseLedger` when a handed-over request's body has been read to its end.
    func handedOverRequestEnded() {
        requestInProgress = false
    }

    func handedOverResponseEnded() {
        if awaitingResponses > 0 { awaitingResponses -= 1 }
        lastActivity = .now()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused, lingering == nil else { return }
        lastActivity = .now()
        if !requestInProgress, headStarted == nil, bodyToPass == 0 { noteHeadStarted(at: lastActivity, context: context) }
        guard !handedOver, let hotPath else {
            context.fireChannelRead(data)
            return
        }
        var bytes = unwrapInboundIn(data)
        if var earlier = unread {
            unread = nil
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        while bytes.readableBytes > 0 {
            if bodyToPass > 0 {
                let count = min(bodyToPass, bytes.readableBytes)
                bodyToPass -= count
                pass(bytes.readSlice(length: count), context: context)
                continue
            }
            // Parse only once the head can be whole: a head sent a byte at a time is searched once, not re-read.
            let searched = min(searchedUpTo, bytes.readableBytes)
            let parseNow = bytes.withUnsafeReadableBytes { RequestHead.mayBeComplete($0, searchedUpTo: searched) }
                || bytes.readableBytes > limits.headLimit
            guard parseNow else {
                searchedUpTo = bytes.readableBytes
                unread = bytes
                return
            }
            searchedUpTo = 0
            switch bytes.withUnsafeReadableBytes({ RequestHead.read($0, limit: limits.headLimit) }) {
            case .incomplete:
                unread = bytes
                searchedUpTo = bytes.readableBytes
                return
            case .unusual:
                handedOver = true
                context.fireChannelRead(wrapInboundOut(bytes))
                return
            case .head(let head, let size):
                if awaitingResponses == 0, !head.needsFullPath, head.contentLength == 0,
                    let answer = hotPath.answer(head, allocator: context.channel.allocator)
                {
                    bytes.moveReaderIndex(forwardBy: size)
                    context.write(wrapOutboundOut(.byteBuffer(answer.head)), promise: nil)
                    context.write(wrapOutboundOut(.byteBuffer(answer.body)), promise: nil)
                    context.write(wrapOutboundOut(.byteBuffer(answer.tail)), promise: nil)
                    needsFlush = true
                    // Whatever follows is the next head, arriving now.
                    headStarted = nil
                    if bytes.readableBytes > 0 { noteHeadStarted(at: lastActivity, context: context) }
                } else {
                    bodyToPass = head.contentLength
                    pass(bytes.readSlice(length: size), context: context)
                }
            }
        }
    }

    private func pass(_ bytes: ByteBuffer?, context: ChannelHandlerContext) {
        guard let bytes else { return }
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    // Backpressure: hold the next read while the peer is not reading what was written.
    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable || lingering != nil {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readHeld {
            readHeld = false
            if headStarted != nil { headStarted = .now() }
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    /// 503 in HighLevel's shape, then close at once: the connection cap is reached, so the connection is not kept
    /// a moment longer.
    private func refuse(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(Self.closingAnswer(.serviceUnavailable, context: context))))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    /// 408 in HighLevel's shape, then the lingering close.
    private func answerHeadTimeout(context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        lingering = loop.scheduleTask(in: Self.lingerTimeout) { context.close(promise: nil) }
        let answer = Self.closingAnswer(.requestHeadTimeout, context: context)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(answer))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        // Keep reading (and dropping) what the peer sends, whatever backpressure held.
        readHeld = false
        context.read()
    }

    /// The whole response for `error`, announcing that the connection closes after it.
    private static func closingAnswer(_ error: SwitchboardError, context: ChannelHandlerContext) -> ByteBuffer {
        let bytes = error.bodyBytes(traceId: TraceID.make())
        var buffer = context.channel.allocator.buffer(capacity: 160 + bytes.count)
        buffer.writeString(
            error.statusLine
                + "Content-Type: \(JSONResponse.contentType)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n")
        buffer.writeBytes(bytes)
        return buffer
    }

    /// Starts the clock on a head whose first byte just arrived: unless it is whole by `headerTimeout`, the
    /// connection is answered 408 (when no response is on its way) and closed. One timer serves many heads: it is
    /// scheduled only when none is, and re-armed for the head in progress when it fires.
    private func noteHeadStarted(at time: NIODeadline, context: ChannelHandlerContext) {
        headStarted = time
        if headCheck == nil { scheduleHeadCheck(at: time + limits.headerTimeout, context: context) }
    }

    private func scheduleHeadCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        headCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            headCheck = nil
            guard context.channel.isActive, let started = headStarted else { return }
            if readHeld {
                // The rest of the head waits unread because the peer does not read its answers: no fault of the
                // head's. The clock restarts when reading does; the idle timeout bounds a peer that never reads.
                scheduleHeadCheck(at: .now() + limits.headerTimeout, context: context)
                return
            }
            guard NIODeadline.now() >= started + limits.headerTimeout else {
                scheduleHeadCheck(at: started + limits.headerTimeout, context: context)
                return
            }
            if awaitingResponses == 0 {
                answerHeadTimeout(context: context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// Closes the connection once it was quiet for the idle timeout: nothing read, no response on its way.
    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        let deadline = awaitingResponses > 0 ? NIODeadline.now() + limits.idleTimeout : lastActivity + limits.idleTimeout
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            idleCheck = nil
            guard context.channel.isActive else { return }
            if awaitingResponses == 0, NIODeadline.now() >= lastActivity + limits.idleTimeout {
                context.close(promise: nil)
            } else {
                scheduleIdleCheck(context: context)
            }
        }
    }
}

/// Open connections, against the cap.
final class ConnectionCount: Sendable {
    let maximum: Int
    private let current = Atomic<Int>(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    var openCount: Int { current.load(ordering: .relaxed) }

    /// Counts a new connection; false (and not counted as open beyond the cap) when it is one too many.
    func open() -> Bool {
        current.wrappingAdd(1, ordering: .relaxed).newValue <= maximum
    }

    func close() {
        current.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// Sits behind the HTTP codec and tells the `FrontDoorHandler` in front when a request reached Hummingbird, when its
/// body ended and when its response was written to the end; answers `Expect: 100-continue` with `100 Continue`.
final class ResponseLedger: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var front: FrontDoorHandler?

    func handlerAdded(context: ChannelHandlerContext) {
        front = try? context.pipeline.syncOperations.handler(type: FrontDoorHandler.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            front?.handedOverRequestArrived()
            // A client that asks before sending its body (curl does for large uploads) is told to go on at once,
            // rather than waiting its timeout (a second for curl) for an answer that would not come.
            if head.headerFields[.expect]?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        case .end: front?.handedOverRequestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { front?.handedOverResponseEnded() }
        context.write(data, promise: promise)
    }
}

/// Hummingbird's HTTP/1 channel with the front door (and, when on, the hot path) before its parser.
struct FrontDoorHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let hotPath: HotPath?
    let limits: FrontDoorHandler.Limits
    let connections: ConnectionCount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(
                FrontDoorHandler(hotPath: hotPath, limits: limits, connections: connections))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
