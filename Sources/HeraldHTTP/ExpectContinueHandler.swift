import NIOCore
import NIOHTTP1

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request's head is read.
///
/// Clients that send it (libcurl for large bodies, and so PHP's curl for any body over 1 KiB;
/// .NET's HttpClient when asked) hold the body back until the server agrees or a timeout passes
/// (libcurl waits a second). Neither NIO nor Hummingbird sends the interim response, so every such
/// request waited out the client's timeout. Herald reads every body it is sent, so it agrees to
/// all but one it would refuse for its size alone: a declared `Content-Length` over the largest
/// body any route takes (``JSONIO/batchBodyLimit``) gets no interim answer, and the route answers
/// `413` without waiting for the body (curl sent a 5 MB batch whole before learning that). The
/// final answer may still refuse any other. HTTP/1.0 requests' expectations are ignored, as RFC
/// 9110 §10.1.1 says.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.version == .http1_1, Self.expectsContinue(head.headers),
            !Self.declaresTooLargeABody(head.headers)
        {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))))
                .whenFailure { _ in }
        }
        context.fireChannelRead(data)
    }

    /// True when the one `Content-Length` is over what any route reads.
    static func declaresTooLargeABody(_ headers: HTTPHeaders) -> Bool {
        let lengths = headers["content-length"]
        return lengths.count == 1 && (Int(lengths[0]).map { $0 > JSONIO.batchBodyLimit } ?? false)
    }

    /// True when an `Expect` header asks for `100-continue` (any case).
    static func expectsContinue(_ headers: HTTPHeaders) -> Bool {
        headers.contains { name, value in
            name.utf8.count == 6 && name.utf8.equalsIgnoringASCIICase("expect")
                && value.utf8.containsIgnoringASCIICase("100-continue")
        }
    }
}
