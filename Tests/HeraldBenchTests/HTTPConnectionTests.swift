import NIOCore
import NIOPosix
import Testing

@testable import herald_bench

/// The load generator's connection against a real socket that answers in fragments.
struct HTTPConnectionTests {
    /// Answers each request head it reads with the next of `responses`, each written in two parts.
    final class CannedServer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let responses: [String]
        var answered = 0
        var received = ""
        private(set) var requests: [String] = []

        init(responses: [String]) { self.responses = responses }

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
                requests.append(head)
                let response = Array(responses[answered % responses.count].utf8)
                answered += 1
                let half = response.count / 2
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: response[..<half])), promise: nil)
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: response[half...])), promise: nil)
            }
        }
    }

    @Test func pipelinedRequestsGetTheirStatusesInOrder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = CannedServer(responses: [
            "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"seq\": 1}\n",
            "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
        ])
        let listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(server) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        let connection = try await HTTPConnection.connect(
            host: "127.0.0.1", port: port, headers: [("Authorization", "Bearer k")], group: group)
        let answers = [
            connection.send(method: .GET, path: "/v1/users/u1/counts", body: nil),
            connection.send(method: .GET, path: "/missing", body: nil),
            connection.send(method: .POST, path: "/v1/notifications", body: "{\"user\":\"u1\"}"),
        ]
        var statuses: [UInt] = []
        for answer in answers { statuses.append(try await answer.get()) }
        #expect(statuses == [200, 404, 201])
        let requests = try await listener.eventLoop.submit { server.requests }.get()
        #expect(requests.count == 3)
        #expect(
            requests.first == "GET /v1/users/u1/counts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n\r\n")
        #expect(requests.last?.hasSuffix("Content-Length: 13\r\n\r\n") == true)
        await #expect(throws: BenchError.self) {
            try await connection.send(method: .GET, path: "/a b", body: nil).get()
        }
        await connection.close()
        try await listener.close()
        try await group.shutdownGracefully()
    }

    @Test func headersWithLineBreaksAreRefused() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        await #expect(throws: BenchError.self) {
            _ = try await HTTPConnection.connect(
                host: "127.0.0.1", port: 9, headers: [("X-Evil", "a\r\nHost: b")], group: group)
        }
        try await group.shutdownGracefully()
    }
}
