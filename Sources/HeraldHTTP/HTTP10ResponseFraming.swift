import NIOCore
import NIOHTTP1

/// Answers the HTTP/1.0 requests that reach Hummingbird in the form HTTP/1.0 clients read.
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
/// It sits right before the conversion to `HTTPTypes`, behind ``FastPath``, so it sees the requests
/// Hummingbird answers and their answers, in order; HTTP/1.1 requests pass untouched.
final class HTTP10ResponseFraming: ChannelDuplexHandler, RemovableChannelHandler {
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

    /// The requests read and not answered yet, oldest first (pipelined requests wait here).
    private var unanswered: [Request] = []
    /// The answer being written is HTTP/1.0 of unknown length: its end closes the output.
    private var bodyEndsWithClose = false

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { unanswered.append(Self.request(head)) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            // An answer for a request the fast path took (a stream it started) finds none waiting.
            let request = unanswered.isEmpty ? .http11 : unanswered.removeFirst()
            guard let framed = Self.frame(head, for: request) else {
                bodyEndsWithClose = false
                return context.write(data, promise: promise)
            }
            bodyEndsWithClose = framed.version == .http1_0
            if bodyEndsWithClose {
                // A stream's head: its handler must write the body through the pipeline, unframed.
                (try? context.pipeline.syncOperations.handler(type: SSEChannelHandler.self))?.bodyGoesUnframed()
            }
            context.write(wrapOutboundOut(.head(framed)), promise: promise)
        case .end where bodyEndsWithClose:
            bodyEndsWithClose = false
            context.write(data, promise: promise)
            context.close(mode: .output, promise: nil)
        default:
            context.write(data, promise: promise)
        }
    }

    /// How `head` asks its answer to be framed.
    static func request(_ head: HTTPRequestHead) -> Request {
        guard head.version.major == 1, head.version.minor == 0 else { return .http11 }
        return head.isKeepAlive ? .http10KeepingAlive : .http10Closing
    }

    /// `head` as an HTTP/1.0 client must get it in answer to `request`; nil when it goes as it is.
    static func frame(_ head: HTTPResponseHead, for request: Request) -> HTTPResponseHead? {
        guard request != .http11 else { return nil }
        var head = head
        let hasNoBody = head.status == .noContent || head.status == .notModified
        if hasNoBody || head.headers.contains(name: "content-length") {
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
