import NIOCore
import NIOHTTPTypes

/// Hummingbird adds a server's own handlers after its conversion to `HTTPTypes`; this one, added
/// there, puts a ``FastPath`` before that conversion and takes itself out again.
final class FastPathInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let settings: FastPath.Settings

    init(settings: FastPath.Settings) {
        self.settings = settings
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        FastPath.install(settings, in: pipeline)
        pipeline.removeHandler(context: context, promise: nil)
    }
}
