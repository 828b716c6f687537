import NIOCore
import NIOHTTP1

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request's head is read.
///
/// Clients that send it (libcurl for large bodies, and so PHP's curl for any body over 1 KiB;
/// .NET's HttpClient when asked) hold the body back until the server agrees or a timeout passes
/// (libcurl waits a second). Neither NIO nor Hummingbird sends the interim response, so every such
/// request waited out the client's timeout. Herald reads every body it is sent, so it always agrees;
/// the final answer may still refuse the request. HTTP/1.0 requests' expectations are ignored, as
/// RFC 9110 §10.1.1 says.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.version == .http1_1, Self.expectsContinue(head.headers) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))))
                .whenFailure { _ in }
        }
        context.fireChannelRead(data)
    }

    /// True when an `Expect` header asks for `100-continue` (any case).
    static func expectsContinue(_ headers: HTTPHeaders) -> Bool {
        headers.contains { name, value in
            name.utf8.count == 6 && name.utf8.equalsIgnoringASCIICase("expect")
                && value.utf8.containsIgnoringASCIICase("100-continue")
        }
    }
}
