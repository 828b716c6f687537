import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel, with the async channel Hummingbird answers through made only
/// when a request reaches Hummingbird.
///
/// Hummingbird's own `HTTP1Channel` wraps every accepted connection in a `NIOAsyncChannel` and
/// runs its request loop in the connection's task from the start. Herald answers most requests on
/// the event loop (``FastPath``) and writes streams there (``SSEChannelHandler``), so on most
/// connections that wrapper only ever waited: for a stream opened on a new connection it was made,
/// woke the task, and was torn down when the stream took the connection over (`perf`: ~25% of the
/// server's CPU per stream opening went to the async channel, its generic metadata and its task).
/// Here the pipeline is the same, handler for handler, but its last handler is a
/// ``HummingbirdConnectionStarter``, which makes the async channel when the first request part or
/// error reaches it, and the connection's task waits until then, or until the connection closes
/// or becomes a stream without Hummingbird; only then does it run Hummingbird's request loop
/// (`HTTP1Channel.handle(value:logger:)`, unchanged) or end. The task still lasts as long as the
/// connection, as Hummingbird's server expects: a graceful shutdown waits for it.
struct DeferredHTTP1Channel: ServerChildChannel {
    /// An accepted connection, and the async channel Hummingbird answers it through once a request
    /// reaches Hummingbird (nil: the connection closed, or became a stream, before one did).
    struct Connection: ServerChildChannelValue {
        let channel: any Channel
        let hummingbird: EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?>
    }

    /// Hummingbird's own child channel: its configuration builds the pipeline, its request loop
    /// answers the requests that reach Hummingbird.
    let http1: HTTP1Channel

    init(responder: @escaping HTTPChannelHandler.Responder, configuration: HTTP1Channel.Configuration) {
        http1 = HTTP1Channel(responder: responder, configuration: configuration)
    }

    /// Builds the pipeline of `HTTP1Channel.setup(channel:logger:)`, with a
    /// ``HummingbirdConnectionStarter`` in place of its async channel.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            let configuration = http1.configuration
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            // What `configureHTTPServerPipeline` adds without pipelining assistance, error handling
            // and header validation, but with the decoder not paired with the encoder: paired, the
            // decoder hands the encoder every request's method, and the encoder takes one for each
            // answer it writes. The fast path writes its answers below the encoder, so that list
            // only grew (36 bytes a request on a kept connection: 7 MB after 200,000 counts reads),
            // and a `HEAD` Hummingbird answered after a fast answer took an earlier method, so the
            // next `GET`'s answer went without its body. ``HTTP1AnswerRewriter`` drops the bodies
            // of answers to `HEAD` instead, and ``RequestHeadCheck`` refuses `CONNECT`.
            try pipeline.addHandler(HTTPResponseEncoder(configuration: .init()))
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(limitConfiguration: limits)))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            try pipeline.addHandler(
                HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger))
            let starter = HummingbirdConnectionStarter(eventLoop: channel.eventLoop)
            try pipeline.addHandler(starter)
            return Connection(channel: channel, hummingbird: starter.asyncChannel)
        }
    }

    /// Waits for a request to reach Hummingbird, then runs Hummingbird's request loop until the
    /// connection ends; returns as soon as the connection closes or becomes a stream otherwise.
    /// Cancelled while waiting (the server is torn down rather than shut down gracefully), it
    /// closes the connection's input, as Hummingbird's loop does when cancelled, so that the
    /// connection ends once its pending answers are written.
    func handle(value: Connection, logger: Logger) async {
        let waited = await withTaskCancellationHandler {
            try? await value.hummingbird.get()
        } onCancel: {
            value.channel.close(mode: .input, promise: nil)
        }
        guard let asyncChannel = waited else { return }
        await http1.handle(value: asyncChannel, logger: logger)
    }
}
