import Foundation
import HeraldTestSupport
import NIOCore
import NIOPosix
import Synchronization

/// Collects everything a connection receives until it closes.
final class ResponseCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<ByteBuffer>
    private let received = Mutex(ByteBuffer())

    init(promise: EventLoopPromise<ByteBuffer>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.withLock { _ = $0.writeBuffer(&bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(received.withLock { $0 })
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
