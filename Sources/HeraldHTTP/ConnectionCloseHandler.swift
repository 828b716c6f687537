import NIOCore
import NIOHTTP1

/// Makes every request that ends its connection say so the one way Hummingbird reads it.
///
/// Hummingbird closes a connection after a response only when the request's `Connection` header is
/// exactly `close`. An HTTP/1.0 request without `Connection: keep-alive`, and an HTTP/1.1 one with
/// `Connection: Close` or `close, TE`, also ask for the connection to end after the response (RFC
/// 9112 §9.3; connection options are case-insensitive), yet Hummingbird kept such connections
/// open: an HTTP/1.0 client waiting for the close to end the response (ApacheBench without `-k`,
/// scripts on raw sockets) waited until it gave up, and the next request on the connection was
/// answered `400`. This handler rewrites such a request's `Connection` header to `close` before
/// Hummingbird and ``FastPath`` see it (both then answer with `Connection: close`). Requests that
/// keep their connection, nearly all, pass untouched after one look at their version and header
/// names.
///
/// A request that asks to switch protocols (an `Upgrade` header and the `upgrade` option in
/// `Connection`, as Java's `HttpClient` sends `Upgrade: h2c` on its first request to an `http://`
/// URL, and `curl --http2`) ends its connection too: Herald switches to nothing and answers it
/// as HTTP/1.1, but NIO's parser, as llhttp decides, reads whatever follows it as the new
/// protocol's bytes, so the client's next request on the connection went unanswered until the
/// idle timeout closed it.
final class ConnectionCloseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), Self.needsRewrite(head) else {
            return context.fireChannelRead(data)
        }
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// True when `head` ends its connection but does not say `Connection: close` exactly, or asks
    /// to switch protocols.
    static func needsRewrite(_ head: HTTPRequestHead) -> Bool {
        var options = ConnectionOptions()
        var hasUpgrade = false
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 10 where name.utf8.equalsIgnoringASCIICase("connection"): options.add(value)
            case 7 where name.utf8.equalsIgnoringASCIICase("upgrade"): hasUpgrade = true
            default: break
            }
        }
        if hasUpgrade && options.asksUpgrade { return true }
        guard head.version != .http1_1 || options.count > 0 else { return false }
        return !head.isKeepAlive && !options.saysExactlyClose
    }
}
