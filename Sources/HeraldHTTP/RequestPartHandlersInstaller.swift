import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird adds a server's own handlers after its conversion to `HTTPTypes`; this one, added
/// there, puts the handlers that work on NIO's request parts before that conversion (a
/// ``RequestHeadCheck``, a ``ConnectionCloseHandler``, an ``ExpectContinueHandler``, then a ``FastPath`` when given its
/// settings, else a ``PendingAnswerCounter``, then an ``HTTP1AnswerRewriter``), an
/// ``IdleConnectionHandler`` first of all when given a timeout, and takes itself out.
final class RequestPartHandlersInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let fastPath: FastPath.Settings?
    private let idleTimeout: TimeAmount?
    private let serverName: String?

    /// - Parameter serverName: the `Server` header of the idle handler's `408` and of the answer to a
    ///   request that could not be parsed.
    init(fastPath: FastPath.Settings?, idleTimeout: Duration?, serverName: String?) {
        self.fastPath = fastPath
        self.idleTimeout = idleTimeout.map { TimeAmount($0) }
        self.serverName = serverName
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        let conversion = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
        if let conversion {
            try? pipeline.addHandler(RequestHeadCheck(), position: .before(conversion))
            try? pipeline.addHandler(ConnectionCloseHandler(), position: .before(conversion))
            try? pipeline.addHandler(ExpectContinueHandler(), position: .before(conversion))
        }
        let ledger: any RequestLedger
        if let fastPath, let handler = FastPath.install(fastPath, in: pipeline) {
            ledger = handler
        } else {
            let counter = PendingAnswerCounter()
            if let conversion { try? pipeline.addHandler(counter, position: .before(conversion)) }
            ledger = counter
        }
        if let conversion {
            try? pipeline.addHandler(HTTP1AnswerRewriter(serverName: serverName), position: .before(conversion))
        }
        if let idleTimeout {
            try? pipeline.addHandler(
                IdleConnectionHandler(timeout: idleTimeout, ledger: ledger, serverName: serverName),
                position: .first)
        }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
