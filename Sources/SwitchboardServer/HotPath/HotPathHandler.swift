import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Sits in each connection's pipeline between the HTTP/1 codec and Hummingbird. A request the hot path can answer
/// is answered here, on the event loop, without reaching the application; every other request is passed on.
/// Responses keep request order: the hot path answers only while no passed-on request awaits its response.
final class HotPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let hotPath: HotPath
    /// Requests passed on whose response has not been written to the end yet.
    private var passedOn = 0
    /// The answer to the request being read, written once its end arrives.
    private var answer: HotPath.Answer?
    private var needsFlush = false

    init(hotPath: HotPath) {
        self.hotPath = hotPath
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            if passedOn == 0, answer == nil, let found = hotPath.answer(request, allocator: context.channel.allocator) {
                answer = found
            } else {
                passedOn += 1
                context.fireChannelRead(data)
            }
        case .body:
            if answer == nil { context.fireChannelRead(data) }
        case .end:
            guard let found = answer else {
                context.fireChannelRead(data)
                return
            }
            answer = nil
            context.write(wrapOutboundOut(.head(found.head)), promise: nil)
            context.write(wrapOutboundOut(.body(found.body)), promise: nil)
            if found.tail.readableBytes > 0 { context.write(wrapOutboundOut(.body(found.tail)), promise: nil) }
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            needsFlush = true
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), passedOn > 0 { passedOn -= 1 }
        context.write(data, promise: promise)
    }
}
