import NIOCore
import NIOPosix

/// Opens a TCP connection whose pipeline is the given handler alone: the generator's clients write
/// and read HTTP/1.1 as bytes (see ``HTTPConnection`` and ``SSEHandler``).
enum ClientConnector {
    static func connect(
        host: String, port: Int, group: any EventLoopGroup,
        handler: @escaping @Sendable () -> any ChannelHandler & RemovableChannelHandler
    ) async throws -> any Channel {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .connect(host: host, port: port).get()
    }
}
