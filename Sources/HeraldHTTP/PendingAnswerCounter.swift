import NIOCore
import NIOHTTP1

/// Counts the requests read on a connection whose responses have not ended yet, for
/// ``IdleConnectionHandler`` on a server without the ``FastPath`` (which counts them itself: its
/// own answers are written below this handler).
final class PendingAnswerCounter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var pending = 0

    /// Whether a request read still waits for its response to end.
    var owesAnswer: Bool { pending > 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { pending += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), pending > 0 { pending -= 1 }
        context.write(data, promise: promise)
    }
}
