import NIOCore
import NIOHTTPTypes

/// The last handler of a ``DeferredHTTP1Channel`` connection's pipeline until a request reaches
/// Hummingbird: then it wraps the connection in the `NIOAsyncChannel` Hummingbird answers through
/// (whose handler goes after it), hands that to the connection's task, passes the part on and takes
/// itself out.
///
/// An error that reaches it starts Hummingbird too, which handles it as it always has (a `400` for
/// a request it cannot parse, a close otherwise). Before any request reached Hummingbird, a client
/// that closes its side has its connection closed, as Hummingbird's request loop closes it then;
/// a connection that closes, or becomes a stream (``releaseTask()``), ends the task without it.
final class HummingbirdConnectionStarter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let promise: EventLoopPromise<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?>
    private var isSettled = false
    /// This handler's context while it is in the pipeline (for ``releaseTask()``).
    private var context: ChannelHandlerContext?

    /// The async channel once a request reaches Hummingbird; nil when the connection ended first.
    var asyncChannel: EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?> { promise.futureResult }

    init(eventLoop: any EventLoop) {
        promise = eventLoop.makePromise()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        settle(nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard start(context: context) else { return }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard start(context: context) else { return }
        context.fireErrorCaught(error)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        settle(nil)
        context.fireChannelInactive()
    }

    /// Called on the event loop when the connection became a stream before any request reached
    /// Hummingbird: no request follows, so the connection's task ends, and this handler goes.
    func releaseTask() {
        settle(nil)
        guard let context else { return }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Wraps the connection for Hummingbird and hands it to the connection's task; closes the
    /// connection when it cannot.
    private func start(context: ChannelHandlerContext) -> Bool {
        do {
            let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: context.channel,
                configuration: .init(isOutboundHalfClosureEnabled: true))
            settle(asyncChannel)
            return true
        } catch {
            context.close(promise: nil)
            return false
        }
    }

    private func settle(_ asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?) {
        guard !isSettled else { return }
        isSettled = true
        promise.succeed(asyncChannel)
    }
}
