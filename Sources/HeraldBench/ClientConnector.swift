import NIOCore
import NIOPosix

/// Opens a TCP connection with an HTTP/1.1 client pipeline ending in the given handler.
enum ClientConnector {
    static func connect(
        host: String, port: Int, group: any EventLoopGroup,
        handler: @escaping @Sendable () -> any ChannelHandler & RemovableChannelHandler
    ) async throws -> any Channel {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .connect(host: host, port: port).get()
    }
}
