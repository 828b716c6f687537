import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Sits in every HTTP/1 connection's pipeline, between the HTTP codec and Hummingbird, and takes
/// over the connection once the stream route has answered: Hummingbird authenticates, validates
/// and writes the response head (with the request id, CORS and metrics of every route); from
/// then on ``StreamConnection`` writes the body on the event loop, and the connection's task is
/// told to let go of the connection so it ends (see ``HandedOver``, or
/// ``HummingbirdConnectionStarter/releaseTask()`` when no request reached Hummingbird). Holding no task per
/// stream keeps an idle stream small and delivers each live event with a single hop onto the
/// event loop.
final class SSEChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Set by the stream route just before it answers; the next response head starts the stream.
    private var expected: StreamOpening?
    private var stream: StreamConnection?
    /// True from handing the connection over until Hummingbird's task has asked to close it.
    private var handingOver = false
    /// The request being answered is a `HEAD` (a flag, not the method: every stream keeps it).
    private var answeringHead = false
    /// The response head being written goes out as HTTP/1.0, its body unframed
    /// (``bodyGoesUnframed()``).
    private var bodyUnframed = false
    /// This handler's context while it is in the pipeline (for ``start(_:head:)``).
    private var context: ChannelHandlerContext?

    /// Ends Hummingbird's connection task once the stream owns the connection: the task waits for
    /// the next request, this error ends that wait, and the close the task then asks for on its
    /// way out is acknowledged without closing (the stream closes the connection when it ends).
    /// Otherwise the task, and the stack slabs it grew while answering, would live as long as the
    /// stream.
    struct HandedOver: Error, CustomStringConvertible {
        var description: String { "the connection was handed over to its SSE stream" }
    }

    init() {}

    /// Reads start with 256-byte buffers (NIO's default is 2 KB) and grow as reads fill them: each
    /// connection keeps its read buffer, and an idle stream's connection reads nothing after its
    /// request head.
    static let readBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65536)

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        try? context.channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.readBuffers)
    }

    /// Called on the channel's event loop by the stream route before it returns its response.
    func expect(_ opening: StreamOpening) {
        expected = opening
    }

    /// Called by ``HTTP1AnswerRewriter`` while the response head this handler writes passes it,
    /// when the head goes out as HTTP/1.0: NIO's encoder then sends the body as it is, so the
    /// stream must not frame it in chunks.
    func bodyGoesUnframed() {
        bodyUnframed = true
    }

    /// Called on the channel's event loop by ``FastPath``, which took the request: writes the
    /// stream's response head and starts the stream as for a head from the stream route.
    func start(_ opening: StreamOpening, head: HTTPResponse) {
        guard let context, stream == nil else { return }
        expected = opening
        write(context: context, data: wrapOutboundOut(.head(head)), promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard stream == nil else {
            // Nothing else of Hummingbird's reaches the connection the stream took over.
            promise?.succeed(())
            return
        }
        guard case .head(let head) = unwrapOutboundIn(data), let opening = expected,
            head.headerFields[.contentType] == SSEFormat.contentType
        else {
            context.write(data, promise: promise)
            return
        }
        expected = nil
        bodyUnframed = false
        context.write(data, promise: promise)
        guard head.status == .ok else { return }
        let stream = StreamConnection(opening: opening, context: context, chunks: chunkedBodyWriter(for: head, context))
        self.stream = stream
        stream.begin()
        context.eventLoop.assumeIsolated().execute {
            // No request follows on this connection, so the fast-path handler goes (~250 bytes
            // less per open stream), and so do the idle timeout (the stream lives as long as its
            // client) and the HTTP/1.0 framing (its head is written; the stream closes its
            // connection when it ends).
            let pipeline = context.pipeline.syncOperations
            if let fastPath = try? pipeline.context(handlerType: FastPath.self) {
                pipeline.removeHandler(context: fastPath, promise: nil)
            }
            if let idle = try? pipeline.context(handlerType: IdleConnectionHandler.self) {
                pipeline.removeHandler(context: idle, promise: nil)
            }
            if let rewriter = try? pipeline.context(handlerType: HTTP1AnswerRewriter.self) {
                pipeline.removeHandler(context: rewriter, promise: nil)
            }
            if let starter = try? pipeline.handler(type: HummingbirdConnectionStarter.self) {
                // No request reached Hummingbird on this connection: its task only waited.
                starter.releaseTask()
            } else {
                self.handingOver = true
                context.fireErrorCaught(HandedOver())
            }
        }
    }

    /// The writer of the stream's chunks below the pipeline when NIO's encoder frames this response
    /// in chunks: HTTP/1.1 (the version the conversion from `HTTPTypes` writes, unless
    /// ``HTTP1AnswerRewriter`` made it HTTP/1.0 for an HTTP/1.0 request), a body that is not
    /// suppressed (not a `HEAD`), and no length or transfer coding of its own.
    private func chunkedBodyWriter(for head: HTTPResponse, _ context: ChannelHandlerContext) -> ChunkedBodyWriter? {
        guard !answeringHead, !bodyUnframed, head.headerFields[.contentLength] == nil,
            head.headerFields[.transferEncoding] == nil,
            let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        else { return nil }
        return ChunkedBodyWriter(wire: encoder)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Hummingbird closes its side for output after answering a `Connection: close` request,
        // and its task closes the connection once handed over; the stream keeps writing until it
        // ends, then closes the connection itself.
        if stream != nil, mode == .output || (mode == .all && handingOver) {
            if mode == .all { handingOver = false }
            promise?.succeed(())
            return
        }
        context.close(mode: mode, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A client that sends more on a streaming connection gets no answer: the stream owns it.
        guard stream == nil else { return }
        if case .head(let request) = unwrapInboundIn(data) { answeringHead = request.method == .head }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        stream?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream?.clientClosed()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        stream?.clientClosed()
        stream = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let stream, event is ChannelShouldQuiesceEvent {
            // Server shutdown: end the stream cleanly rather than cutting the connection.
            stream.end(.shutdown)
            return
        }
        if let stream, case .inputClosed = event as? ChannelEvent {
            // The client closed its side (the server allows half-closed connections): it is gone.
            stream.clientClosed()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
