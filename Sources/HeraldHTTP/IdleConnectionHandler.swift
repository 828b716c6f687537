import HeraldCore
import Metrics
import NIOCore

/// Closes a connection that is idle or whose client is too slow: checked once every ``timeout``,
/// a connection is closed when
/// - nothing was read or written on it from one check to the next (so for between one and two
///   timeouts) and no answer is owed on it (a request the store works on long is waited for), or
/// - a request on it was unfinished at two checks in a row with none finished between (so it took
///   more than one timeout to arrive: a client sending its head or body a byte at a time, or
///   stopping halfway through a body).
///
/// A connection closed halfway through a request nothing answered yet (and with no answer owed)
/// first gets `408 request_timeout`, and then lingers: its output is closed after the answer and
/// what the client still sends is read and dropped until it closes, for ``lingerTime`` at most.
/// Closed outright, a connection with bytes on their way is reset, and the reset can destroy the
/// answer before the client reads it (as nginx's lingering close avoids).
///
/// Once the server shuts down (`ChannelShouldQuiesceEvent`), checks come every
/// ``quiescingInterval`` at most, so a request still unfinished a second after is cut off though
/// its handler waits for it: a body that stopped halfway would otherwise hold the shutdown for one
/// to two timeouts (measured: a batch with 1 of its 100 body bytes sent held it until its client
/// left). Idle connections Hummingbird closes itself then; requests read in full are answered.
///
/// Hummingbird's own idle timeout cannot serve Herald: the requests the fast path answers never
/// reach it, so it would take a busy connection for an idle one. Without any, a client could hold
/// a connection open for ever, idle between requests or with half a request sent. This handler
/// sits first in the pipeline, before the HTTP codec, so it sees every byte read and every write,
/// the fast path's and the streams' included; what the codec made of the bytes it learns from the
/// handler after the codec (its ``RequestLedger``). A connection that becomes an SSE stream drops
/// it (``SSEChannelHandler``): a stream lives as long as its client, with heartbeats of its own,
/// and keeps no timer.
final class IdleConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let timeout: TimeAmount
    private let ledger: any RequestLedger
    private let serverName: String?
    /// Reads and writes so far: a count, not a clock read per read and write (which cost counts
    /// reads and creates a few percent of their CPU in an A/B).
    private var activity = 0
    /// Whether the last read left a request unfinished: it finished none, or began one after.
    private var isInRequest = false
    /// ``activity``, ``isInRequest`` and the requests finished, at the last check.
    private var checked = (activity: 0, isInRequest: false, ended: 0)
    private var check: Scheduled<Void>?
    /// Whether the server is shutting down.
    private var isQuiescing = false
    /// Whether the connection answered 408 and now only waits for its client to close.
    private var isLingering = false

    /// The longest time between checks while the server shuts down.
    static let quiescingInterval = TimeAmount.seconds(1)
    /// How long a connection answered 408 waits for its client to close.
    static let lingerTime = TimeAmount.seconds(2)

    /// `herald_http_connections_closed_total{reason}`: connections this handler closed, `idle`
    /// between requests and `slow` halfway through one (too long arriving, silent halfway, or still
    /// arriving at shutdown).
    static let closedIdle = Counter(label: "herald_http_connections_closed_total", dimensions: [("reason", "idle")])
    static let closedSlow = Counter(label: "herald_http_connections_closed_total", dimensions: [("reason", "slow")])

    /// - Parameters:
    ///   - ledger: the handler after the codec, which knows the requests read and answers owed.
    ///   - serverName: the `Server` header of a `408`.
    init(timeout: TimeAmount, ledger: any RequestLedger, serverName: String?) {
        self.timeout = timeout
        self.ledger = ledger
        self.serverName = serverName
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
        if isLingering { return }  // dropped: the request was answered 408
        activity &+= 1
        let ended = ledger.progress.ended
        context.fireChannelRead(data)
        let progress = ledger.progress
        isInRequest = progress.isInRequest || progress.ended == ended
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if isLingering, case .inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
            return
        }
        if event is ChannelShouldQuiesceEvent, !isQuiescing {
            isQuiescing = true
            // A lingering connection's timer is its close, not a check: it stays.
            if timeout > Self.quiescingInterval, !isLingering {
                check?.cancel()
                schedule(context)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        activity &+= 1
        context.write(data, promise: promise)
    }

    /// The next check, a timeout from now (at most ``quiescingInterval`` while shutting down).
    private func schedule(_ context: ChannelHandlerContext) {
        checked = (activity, isInRequest, ledger.progress.ended)
        let interval = isQuiescing ? min(timeout, Self.quiescingInterval) : timeout
        check = context.eventLoop.assumeIsolated().scheduleTask(in: interval) { [self] in
            check = nil
            let owesAnswer = ledger.owesAnswer
            let silent = activity == checked.activity && !owesAnswer
            let slow = isInRequest && checked.isInRequest && ledger.progress.ended == checked.ended
            guard silent || slow else { return schedule(context) }
            (isInRequest ? Self.closedSlow : Self.closedIdle).increment()
            if isInRequest, !owesAnswer, !ledger.progress.isAnsweredAhead {
                answerTimedOut(context)
                linger(context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// Closes the output after the 408 and the connection once the client closes its side, or
    /// after ``lingerTime``; a channel that cannot close its output alone closes at once.
    private func linger(_ context: ChannelHandlerContext) {
        isLingering = true
        let outputClosed = context.eventLoop.makePromise(of: Void.self)
        outputClosed.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        context.close(mode: .output, promise: outputClosed)
        check = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) { context.close(promise: nil) }
    }

    /// `408 request_timeout`, written straight to the wire ahead of the close.
    private func answerTimedOut(_ context: ChannelHandlerContext) {
        let nanoseconds = timeout.nanoseconds
        let seconds =
            nanoseconds % 1_000_000_000 == 0 ? "\(nanoseconds / 1_000_000_000)" : "\(Double(nanoseconds) / 1e9)"
        let error = HeraldError(
            .requestTimeout,
            isQuiescing
                ? "the request did not arrive in full before the server shut down"
                : "the request did not arrive in full within \(seconds) s")
        let bytes = RawJSONResponse.bytes(
            error.status, error.jsonBody, requestID: LoopRequestID(), serverName: serverName, connection: .close,
            allocator: context.channel.allocator)
        context.writeAndFlush(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
        HTTPRequestMetrics.shared.countRouteless(HTTPRequestMetrics.incompleteRoute, status: error.status.code)
    }
}
