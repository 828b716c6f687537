import NIOCore
import NIOPosix
import Testing

@testable import herald_bench

/// The load generator's connection against a real socket that answers in fragments.
struct HTTPConnectionTests {
    @Test func pipelinedRequestsGetTheirStatusesInOrder() async throws {
        try await CannedServer.serving(
            [
                "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"seq\": 1}\n",
                "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n",
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            ]
        ) { server, group in
            let connection = try await HTTPConnection.connect(
                host: "127.0.0.1", port: server.port, headers: [("Authorization", "Bearer k")], group: group)
            let answers = try await connection.channel.eventLoop.submit {
                [
                    connection.send(method: .GET, path: "/v1/users/u1/counts", body: nil),
                    connection.send(method: .GET, path: "/missing", body: nil),
                    connection.send(method: .POST, path: "/v1/notifications", body: "{\"user\":\"u1\"}"),
                ]
            }.get()
            var statuses: [UInt] = []
            for answer in answers { statuses.append(try await answer.get()) }
            #expect(statuses == [200, 404, 201])
            let requests = try await server.requests()
            #expect(requests.count == 3)
            #expect(
                requests.first
                    == "GET /v1/users/u1/counts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n\r\n")
            #expect(requests.last?.hasSuffix("Content-Length: 13\r\n\r\n") == true)
            await #expect(throws: BenchError.self) {
                try await connection.channel.eventLoop.flatSubmit {
                    connection.send(method: .GET, path: "/a b", body: nil)
                }.get()
            }
            await connection.close()
        }
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
