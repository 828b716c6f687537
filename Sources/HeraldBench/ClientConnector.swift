import NIOCore
import NIOPosix

/// Opens a TCP connection whose pipeline ends in the given handler, after NIO's HTTP/1.1 client
/// codec unless `httpCodec` is false (the handler then reads the bytes).
enum ClientConnector {
    static func connect(
        host: String, port: Int, group: any EventLoopGroup, httpCodec: Bool = true,
        handler: @escaping @Sendable () -> any ChannelHandler & RemovableChannelHandler
    ) async throws -> any Channel {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if httpCodec { try channel.pipeline.syncOperations.addHTTPClientHandlers() }
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .connect(host: host, port: port).get()
    }
}
