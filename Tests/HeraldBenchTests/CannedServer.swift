import NIOCore
import NIOPosix

/// A loopback server that answers each request head it reads with the next of its canned
/// responses (cycling), each written in two parts, so that clients see answers in fragments.
final class CannedServer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    // Touched only on the one event loop of the group the server was started on.
    private let responses: [String]
    private var answered = 0
    private var received = ""
    private var heads: [String] = []
    private var listener: (any Channel)?

    var port: Int { listener?.localAddress?.port ?? 0 }

    private init(responses: [String]) { self.responses = responses }

    /// Listens on 127.0.0.1 on a free port; `group` must have one thread.
    private static func start(group: MultiThreadedEventLoopGroup, responses: [String]) async throws -> CannedServer {
        let server = CannedServer(responses: responses)
        server.listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(server) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return server
    }

    /// Starts a server with `responses` on an event loop group of its own, runs `body` with both,
    /// then closes the server and shuts the group down, also when `body` throws.
    @discardableResult
    static func serving<T>(
        _ responses: [String], _ body: (CannedServer, MultiThreadedEventLoopGroup) async throws -> T
    ) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let result: Result<T, any Error>
        do {
            let server = try await start(group: group, responses: responses)
            do { result = .success(try await body(server, group)) } catch { result = .failure(error) }
            try await server.close()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
        return try result.get()
    }

    /// The request heads read so far, each with its blank line.
    func requests() async throws -> [String] {
        guard let listener else { return [] }
        return try await listener.eventLoop.submit { self.heads }.get()
    }

    func close() async throws {
        try await listener?.close()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
        while let end = received.range(of: "\r\n\r\n") {
            let head = String(received[..<end.upperBound])
            received.removeSubrange(..<end.upperBound)
            if let length = head.split(separator: "\r\n").first(where: { $0.hasPrefix("Content-Length: ") })
                .flatMap({ Int($0.dropFirst(16)) })
            {
                received.removeFirst(min(length, received.count))
            }
            heads.append(head)
            let response = Array(responses[answered % responses.count].utf8)
            answered += 1
            let half = response.count / 2
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: response[..<half])), promise: nil)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: response[half...])), promise: nil)
        }
    }
}
