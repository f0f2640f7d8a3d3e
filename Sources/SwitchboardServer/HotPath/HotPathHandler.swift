import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// First in each connection's pipeline, before NIO's HTTP parser: reads request heads from the raw bytes and answers
/// those the hot path can answer with response bytes of its own; hands every other request's bytes, exactly, to the
/// parser and Hummingbird behind it.
///
/// Responses keep request order: the hot path answers only while no handed-over request awaits its response
/// (`ResponseLedger` counts them). A head it cannot vouch for hands the rest of the connection over for good.
/// Because Hummingbird no longer sees every request, this handler also closes idle connections.
final class HotPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let hotPath: HotPath
    private let idleTimeout: TimeAmount
    private let headLimit: Int
    /// The start of a request head that has not arrived whole.
    private var unread: ByteBuffer?
    /// Body bytes of a handed-over request still to pass on.
    private var bodyToPass = 0
    /// Set once a head was unusual: NIO's parser reads the rest of the connection.
    private var handedOver = false
    /// Handed-over requests whose responses have not been written to the end.
    private var awaitingResponses = 0
    private var needsFlush = false
    /// The last read, or the end of the last handed-over response.
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?

    init(hotPath: HotPath, idleTimeout: TimeAmount, headLimit: Int) {
        self.hotPath = hotPath
        self.idleTimeout = idleTimeout
        self.headLimit = headLimit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        scheduleIdleCheck(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        context.fireChannelInactive()
    }

    /// Called by the `ResponseLedger` behind the parser.
    func handedOverRequestArrived() {
        awaitingResponses += 1
    }

    func handedOverResponseEnded() {
        if awaitingResponses > 0 { awaitingResponses -= 1 }
        lastActivity = .now()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        guard !handedOver else {
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
            switch bytes.withUnsafeReadableBytes({ RequestHead.read($0, limit: headLimit) }) {
            case .incomplete:
                unread = bytes
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

    /// Closes the connection once it was quiet for the idle timeout: nothing read, no response on its way.
    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        let deadline = awaitingResponses > 0 ? NIODeadline.now() + idleTimeout : lastActivity + idleTimeout
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            idleCheck = nil
            guard context.channel.isActive else { return }
            if awaitingResponses == 0, NIODeadline.now() >= lastActivity + idleTimeout {
                context.close(promise: nil)
            } else {
                scheduleIdleCheck(context: context)
            }
        }
    }
}

/// Sits behind the HTTP codec and tells the `HotPathHandler` in front when a request reached Hummingbird and when
/// its response was written to the end.
final class ResponseLedger: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var front: HotPathHandler?

    func handlerAdded(context: ChannelHandlerContext) {
        front = try? context.pipeline.syncOperations.handler(type: HotPathHandler.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { front?.handedOverRequestArrived() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { front?.handedOverResponseEnded() }
        context.write(data, promise: promise)
    }
}

/// Hummingbird's HTTP/1 channel with the hot path in front of its parser.
struct HotPathHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let hotPath: HotPath
    let idleTimeout: TimeAmount
    let headLimit: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(
                HotPathHandler(hotPath: hotPath, idleTimeout: idleTimeout, headLimit: headLimit))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
