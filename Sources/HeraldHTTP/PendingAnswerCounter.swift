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

    private var pending = 0
    private(set) var progress = RequestProgress()

    /// Whether a request read still waits for its response to end.
    var owesAnswer: Bool { pending > 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        progress.count(part)
        if case .head = part { pending += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            progress.countAnswer()
            if pending > 0 { pending -= 1 }
        }
        context.write(data, promise: promise)
    }
}
