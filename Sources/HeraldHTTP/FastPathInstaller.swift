import NIOCore
import NIOHTTPTypes

/// Hummingbird adds a server's own handlers after its conversion to `HTTPTypes`; this one, added
/// there, puts a ``CountsFastPath`` before that conversion and takes itself out again.
final class CountsFastPathInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let settings: CountsFastPath.Settings

    init(settings: CountsFastPath.Settings) {
        self.settings = settings
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        CountsFastPath.install(settings, in: pipeline)
        pipeline.removeHandler(context: context, promise: nil)
    }
}
