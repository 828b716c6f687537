import NIOCore
import NIOHTTP1

/// Rejects the requests whose `Host` headers RFC 9112 §3.2 rules out: an HTTP/1.1 request without
/// one, and any request with more than one ("a server MUST respond with a 400").
///
/// Neither NIO's parser nor Hummingbird checks them, so such requests were answered. A rejected
/// request goes on as an error (``HostHeaderRejection``) in its place, which takes the way every
/// parse error takes: after the answers owed to the requests before it (``FastPath`` holds it
/// while it answers one), ``HTTP1AnswerRewriter`` passes it on as a parse error, Hummingbird
/// answers `400` and ends the connection, and the rewriter makes that the API's `invalid_request`.
/// Nothing the client sends after it is read.
final class HostHeaderCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    /// A request was rejected: everything after it is dropped.
    private var rejected = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejected else { return }
        if case .head(let head) = unwrapInboundIn(data), !Self.hasValidHost(head) {
            rejected = true
            context.fireErrorCaught(HostHeaderRejection())
            return
        }
        context.fireChannelRead(data)
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
