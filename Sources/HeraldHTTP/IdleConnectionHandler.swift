import NIOCore

/// Closes a connection on which nothing was read or written for ``timeout`` (checked once every
/// timeout, so after between one and two of them), unless an answer is still owed on it
/// (``FastPath`` knows, or a ``PendingAnswerCounter`` without it: a request the store works on
/// long is waited for).
///
/// Hummingbird's own idle timeout cannot serve Herald: the requests the fast path answers never
/// reach it, so it would take a busy connection for an idle one. Without any, a client could hold
/// a connection open for ever, idle between requests or with half a request sent. This handler
/// sits first in the pipeline, before the HTTP codec, so it sees every byte read and every write,
/// the fast path's and the streams' included. A connection that becomes an SSE stream drops it
/// (``SSEChannelHandler``): a stream lives as long as its client, with heartbeats of its own, and
/// keeps no timer.
final class IdleConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let timeout: TimeAmount
    private let owesAnswer: () -> Bool
    /// Reads and writes so far: a count, not a clock read per read and write (which cost counts
    /// reads and creates a few percent of their CPU in an A/B).
    private var activity = 0
    /// ``activity`` at the last check.
    private var checked = 0
    private var check: Scheduled<Void>?

    /// - Parameter owesAnswer: whether a request read on the connection still waits for its answer.
    init(timeout: TimeAmount, owesAnswer: @escaping () -> Bool) {
        self.timeout = timeout
        self.owesAnswer = owesAnswer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if check == nil { schedule(context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity &+= 1
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        activity &+= 1
        context.write(data, promise: promise)
    }

    /// The next check, a timeout from now: a connection silent from one check to the next (so for
    /// between one and two timeouts) with no answer owed is closed.
    private func schedule(_ context: ChannelHandlerContext) {
        checked = activity
        check = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            check = nil
            if activity == checked, !owesAnswer() { return context.close(promise: nil) }
            schedule(context)
        }
    }
}
