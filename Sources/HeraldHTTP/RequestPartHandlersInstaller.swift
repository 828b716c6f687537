import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird adds a server's own handlers after its conversion to `HTTPTypes`; this one, added
/// there, puts the handlers that work on NIO's request parts before that conversion (a
/// ``ConnectionCloseHandler``, an ``ExpectContinueHandler``, then a ``FastPath`` when given its
/// settings, else a ``PendingAnswerCounter``), an ``IdleConnectionHandler`` first of all when given
/// a timeout, and takes itself out.
final class RequestPartHandlersInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let fastPath: FastPath.Settings?
    private let idleTimeout: TimeAmount?

    init(fastPath: FastPath.Settings?, idleTimeout: Duration?) {
        self.fastPath = fastPath
        self.idleTimeout = idleTimeout.map { TimeAmount($0) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        let conversion = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
        if let conversion {
            try? pipeline.addHandler(ConnectionCloseHandler(), position: .before(conversion))
            try? pipeline.addHandler(ExpectContinueHandler(), position: .before(conversion))
        }
        let owesAnswer: () -> Bool
        if let fastPath, let handler = FastPath.install(fastPath, in: pipeline) {
            owesAnswer = { handler.owesAnswer }
        } else {
            let counter = PendingAnswerCounter()
            if let conversion { try? pipeline.addHandler(counter, position: .before(conversion)) }
            owesAnswer = { counter.owesAnswer }
        }
        if let idleTimeout {
            try? pipeline.addHandler(
                IdleConnectionHandler(timeout: idleTimeout, owesAnswer: owesAnswer), position: .first)
        }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
