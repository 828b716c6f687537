import NIOPosix
import Testing

@testable import herald_bench

/// The fan-out's warming reads against a real socket.
struct ChannelWarmerTests {
    @Test func readsEveryChannelOnce() async throws {
        try await CannedServer.serving(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"]) { server, group in
            try await ChannelWarmer.get(
                try URLTemplate("http://127.0.0.1:\(server.port)/v1/users/{channel}/counts"), channels: 3, prefix: "w",
                headers: [("Authorization", "Bearer k")], group: group, connections: 1)
            let requests = try await server.requests()
            #expect(
                requests
                    == (0..<3).map {
                        "GET /v1/users/w\($0)/counts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n\r\n"
                    })
        }
    }

    @Test func anAnswerOtherThan2xxFails() async throws {
        let responses = [
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
        ]
        try await CannedServer.serving(responses) { server, group in
            await #expect(throws: BenchError.self) {
                try await ChannelWarmer.get(
                    try URLTemplate("http://127.0.0.1:\(server.port)/c/{channel}"), channels: 4, prefix: "u",
                    headers: [], group: group, connections: 1)
            }
        }
    }
}
