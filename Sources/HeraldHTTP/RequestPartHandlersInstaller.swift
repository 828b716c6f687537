import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird adds a server's own handlers after its conversion to `HTTPTypes`; this one, added
/// there, puts the handlers that work on NIO's request parts before that conversion (a
/// ``ConnectionCloseHandler``, an ``ExpectContinueHandler``, then a ``FastPath`` when given its
/// settings) and takes itself out.
final class RequestPartHandlersInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let fastPath: FastPath.Settings?

    init(fastPath: FastPath.Settings?) {
        self.fastPath = fastPath
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let conversion = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
            try? pipeline.addHandler(ConnectionCloseHandler(), position: .before(conversion))
            try? pipeline.addHandler(ExpectContinueHandler(), position: .before(conversion))
        }
        if let fastPath { FastPath.install(fastPath, in: pipeline) }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
