import NIOCore
import NIOHTTP1

/// Rejects the request heads NIO's parser lets through and Herald must not answer as routes:
/// - those whose `Host` headers RFC 9112 §3.2 rules out: an HTTP/1.1 request without one, and any
///   request with more than one ("a server MUST respond with a 400");
/// - `CONNECT`: Herald is not a proxy, and NIO's parser reads whatever follows a `CONNECT` head as
///   a tunnel's bytes, so the connection cannot carry another request. Answered as a route, it got
///   a `404` (which NIO's encoder, paired with its decoder as it then was, framed without a body or
///   a length) on a connection that stayed open until the idle timeout.
///
/// Neither NIO's parser nor Hummingbird checks them. A rejected request goes on as an error
/// (``RequestHeadRejection``) in its place, which takes the way every parse error takes: after the
/// answers owed to the requests before it (``FastPath`` holds it while it answers one),
/// ``HTTP1AnswerRewriter`` passes it on as a parse error, Hummingbird answers `400` and ends the
/// connection, and the rewriter makes that the API's `invalid_request`. Nothing the client sends
/// after it is read.
final class RequestHeadCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    /// A request was rejected: everything after it is dropped.
    private var rejected = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejected else { return }
        if case .head(let head) = unwrapInboundIn(data), let rejection = Self.rejection(of: head) {
            rejected = true
            context.fireErrorCaught(rejection)
            return
        }
        context.fireChannelRead(data)
    }

    /// Why `head` is rejected, or nil when it goes on.
    static func rejection(of head: HTTPRequestHead) -> RequestHeadRejection? {
        if !hasValidHost(head) { return RequestHeadRejection(answer: .hostHeaderRequired) }
        if head.method == .CONNECT { return RequestHeadRejection(answer: .connectNotSupported) }
        return nil
    }

    /// One `Host` header, or none in an HTTP/1.0 request.
    static func hasValidHost(_ head: HTTPRequestHead) -> Bool {
        var count = 0
        for (name, _) in head.headers where name.utf8.count == 4 && name.utf8.equalsIgnoringASCIICase("host") {
            count += 1
        }
        return count == 1 || (count == 0 && head.version.major == 1 && head.version.minor == 0)
    }
}
