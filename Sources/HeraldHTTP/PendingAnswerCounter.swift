import NIOCore
import NIOHTTP1

/// Counts the requests read on a connection, and those whose responses have not ended yet, for
/// ``IdleConnectionHandler`` on a server without the ``FastPath`` (which counts them itself: its
/// own answers are written below this handler).
final class PendingAnswerCounter: ChannelDuplexHandler, RemovableChannelHandler, RequestLedger {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private(set) var progress = RequestProgress()

    /// Whether a request read still waits for its response to end.
    var owesAnswer: Bool { progress.owesAnswer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        progress.count(unwrapInboundIn(data))
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { progress.countAnswer() }
        context.write(data, promise: promise)
    }
}
