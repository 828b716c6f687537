import HeraldCore
import NIOCore
import NIOHTTP1

/// Rewrites the answers Hummingbird writes where HTTP/1 needs what its `HTTPTypes` responses do
/// not say: the framing of answers to HTTP/1.0 requests, and the API's JSON error in the answer to
/// a request that could not be parsed.
///
/// Hummingbird's conversion from `HTTPTypes` writes every response head as HTTP/1.1. NIO's encoder
/// then framed a body of unknown length (an event stream) in chunks, which an HTTP/1.0 client
/// cannot read (RFC 9112 §6.1: a server must not send `Transfer-Encoding` to one), and a request
/// that asked to keep its connection (`Connection: keep-alive`) was answered without saying it
/// would, so the client took the connection for closing and opened a new one for each request
/// (ApacheBench's `-k`; RFC 9112 §9.3, RFC 2068 §19.7.1). For an HTTP/1.0 request:
/// - an answer of known length says `Connection: keep-alive` when the request asked for it and the
///   answer does not end the connection;
/// - an answer of unknown length goes out as HTTP/1.0, whose body NIO's encoder sends unframed,
///   says `Connection: close`, and its end shuts the connection's output: the close ends the body.
///   An event stream ends by closing its connection anyway (told, its ``SSEChannelHandler``
///   writes the body through the pipeline rather than in chunks, and takes this handler out).
///
/// Hummingbird answers a request NIO's parser rejects with an empty `400` and closes the
/// connection; API.md says every error is JSON, so that answer becomes `400 invalid_request` with
/// the API's error body and the headers of every answer (none of Herald's routes answers an empty
/// `400`), saying what was wrong when the parse error that reached Hummingbird tells. When the
/// parser rejects a body a route is reading, the route answers that error itself (``JSONIO``).
///
/// An answer to `HEAD` goes without its body (Hummingbird's error answers carry one), keeping the
/// length a `GET` would have had. NIO's encoder would drop it on its own if its decoder told it
/// each request's method, but Herald's pipeline leaves them unpaired (``DeferredHTTP1Channel``):
/// the fast path writes its answers below the encoder, so the encoder's list of methods only grew,
/// and it took a later `GET`'s answer for the `HEAD`'s and sent it without its body. An answer to
/// `HEAD` without a length (none of Herald's routes gives one) says `Connection: close` and ends
/// the connection, since the encoder frames it in chunks and would end it with a last chunk.
///
/// It sits right before the conversion to `HTTPTypes`, behind ``FastPath``, so it sees the requests
/// Hummingbird answers and their answers, in order; other answers to HTTP/1.1 requests pass
/// untouched.
final class HTTP1AnswerRewriter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What an answer owes its request's HTTP version.
    enum Request: Equatable {
        case http11
        case http10KeepingAlive
        case http10Closing
    }

    /// The `Server` header of the parse error's answer.
    private let serverName: String?
    /// The requests read and not answered yet, oldest first (pipelined requests wait here), and
    /// whether each is a `HEAD`.
    private var unanswered: [(request: Request, isHead: Bool)] = []
    /// The answer being written has no length and its request cannot be told where it ends
    /// otherwise (HTTP/1.0, or a `HEAD`): its end closes the output.
    private var bodyEndsWithClose = false
    /// The answer being written is to a `HEAD`: its body is dropped.
    private var dropsBody = false
    /// The JSON body of the answer being written when it is Hummingbird's to a parse error: its
    /// head was replaced, this goes out at its end.
    private var parseErrorBody: [UInt8]?
    /// The error Hummingbird's `400` answers: from the first parse error or ``RequestHeadRejection``
    /// that reached it.
    private var parseErrorAnswer: HeraldError?

    init(serverName: String?) {
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            unanswered.append((Self.request(head), head.method == .HEAD))
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Only the first: what a client sends after a rejected request can be rejected again
        // (data after an HTTP/1.0 request that ended its connection is `closedConnection`).
        if let rejection = error as? RequestHeadRejection {
            if parseErrorAnswer == nil { parseErrorAnswer = rejection.answer }
            // Hummingbird answers `400` to NIO's parse errors only.
            return context.fireErrorCaught(HTTPParserError.unknown)
        }
        if parseErrorAnswer == nil, let error = error as? HTTPParserError {
            parseErrorAnswer = .invalidRequest(error)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            // An answer for a request the fast path took (a stream it started) finds none waiting.
            let (request, isHead) = unanswered.isEmpty ? (.http11, false) : unanswered.removeFirst()
            if Self.isParseErrorAnswer(head) {
                HTTPRequestMetrics.shared.countRouteless(HTTPRequestMetrics.unparsedRoute, status: 400)
                let body = (parseErrorAnswer ?? .invalidRequest(nil)).jsonBody
                parseErrorBody = body
                dropsBody = false
                return context.write(wrapOutboundOut(.head(parseErrorHead(bodyCount: body.count))), promise: promise)
            }
            dropsBody = isHead
            guard let framed = Self.frame(head, for: request, isHead: isHead) else {
                bodyEndsWithClose = false
                return context.write(data, promise: promise)
            }
            bodyEndsWithClose = framed.version == .http1_0 || (isHead && framed.headers["connection"] == ["close"])
            if bodyEndsWithClose && !isHead {
                // A stream's head: its handler must write the body through the pipeline, unframed.
                (try? context.pipeline.syncOperations.handler(type: SSEChannelHandler.self))?.bodyGoesUnframed()
            }
            context.write(wrapOutboundOut(.head(framed)), promise: promise)
        case .body where parseErrorBody != nil || dropsBody:
            promise?.succeed(())
        case .end where parseErrorBody != nil:
            let body = context.channel.allocator.buffer(bytes: parseErrorBody!)
            parseErrorBody = nil
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.write(data, promise: promise)
        case .end where bodyEndsWithClose:
            bodyEndsWithClose = false
            context.write(data, promise: promise)
            context.close(mode: .output, promise: nil)
        default:
            context.write(data, promise: promise)
        }
    }

    /// The head of the JSON `400`, with the headers every answer of Herald's has.
    private func parseErrorHead(bodyCount: Int) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: JSONIO.contentType)
        headers.add(name: "Cache-Control", value: JSONIO.cacheControl)
        headers.add(name: "Content-Length", value: String(bodyCount))
        headers.add(name: "X-Request-Id", value: LoopRequestID().description)
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Date", value: HTTPDate.now)
        if let serverName { headers.add(name: "Server", value: serverName) }
        return HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers)
    }

    /// Hummingbird's answer to a parse error: `400`, no body, closing.
    static func isParseErrorAnswer(_ head: HTTPResponseHead) -> Bool {
        head.status == .badRequest && head.headers["content-length"] == ["0"]
            && head.headers["connection"] == ["close"]
    }

    /// How `head` asks its answer to be framed.
    static func request(_ head: HTTPRequestHead) -> Request {
        guard head.version.major == 1, head.version.minor == 0 else { return .http11 }
        return head.isKeepAlive ? .http10KeepingAlive : .http10Closing
    }

    /// `head` as the client must get it in answer to `request` (a `HEAD` when `isHead`); nil when it
    /// goes as it is.
    static func frame(_ head: HTTPResponseHead, for request: Request, isHead: Bool = false) -> HTTPResponseHead? {
        let hasNoBody = head.status == .noContent || head.status == .notModified
        let hasLength = hasNoBody || head.headers.contains(name: "content-length")
        guard request != .http11 else {
            guard isHead, !hasLength, head.headers["connection"] != ["close"] else { return nil }
            var head = head
            head.headers.replaceOrAdd(name: "Connection", value: "close")
            return head
        }
        var head = head
        if hasLength {
            guard request == .http10KeepingAlive, !head.headers.contains(name: "connection") else { return nil }
            head.headers.add(name: "Connection", value: "keep-alive")
        } else {
            head.version = .http1_0
            head.headers.remove(name: "transfer-encoding")
            head.headers.replaceOrAdd(name: "Connection", value: "close")
        }
        return head
    }
}
