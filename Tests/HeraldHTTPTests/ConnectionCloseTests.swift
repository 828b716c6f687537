import HeraldTestSupport
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import HeraldHTTP

/// A request that ends its connection gets its answer, saying `Connection: close`, and then the
/// close, whichever way it asks (HTTP/1.0 without keep-alive, any case of `close`, a list of
/// options), with the fast path (which answers it) and without it; HTTP/1.0 with keep-alive keeps it.
@Suite(.timeLimit(.minutes(1)))
struct ConnectionCloseTests {
    private static let key = "Authorization: Bearer \(HTTPHarness.apiKey)\r\n"
    private static let body = #"{"user":"cc","type":"t"}"#

    /// Requests that each end their connection.
    static let closing: [String] = [
        "GET /v1/users/cc/counts HTTP/1.0\r\n\(key)\r\n",
        "GET /healthz HTTP/1.0\r\n\r\n",
        "POST /v1/notifications HTTP/1.0\r\n\(key)Content-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)",
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Connection: Close\r\n\r\n",
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Connection: close, TE\r\nTE: trailers\r\n\r\n",
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Connection: keep-alive\r\nConnection: close\r\n\r\n",
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Connection: close\r\n\r\n",
        // Asking to switch protocols, which Herald does not: NIO's parser reads nothing after it.
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Connection: Upgrade, HTTP2-Settings\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
        "POST /v1/notifications HTTP/1.1\r\nHost: t\r\n\(key)Content-Type: application/json\r\n"
            + "Connection: keep-alive\r\nConnection: foo , UPGRADE\r\nupgrade: websocket\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)",
    ]

    /// Requests that keep their connection though they name `Upgrade` in one of the two headers.
    static let keeping: [String] = [
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Upgrade: h2c\r\n\r\n",
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Connection: upgrade\r\n\r\n",
        "GET /v1/users/cc/counts HTTP/1.1\r\nHost: t\r\n\(key)Connection: upgrades\r\nUpgrade: h2c\r\n\r\n",
    ]

    /// The answers to `requests` on a fresh connection, read until the server closes it; fails
    /// when it does not within five seconds.
    private func answersUntilClosed(port: Int, _ requests: String) async throws -> [RawHTTP.Response] {
        try await RawHTTP.exchange(port: port, requests, deadline: .seconds(20))
    }

    @Test(arguments: [true, false])
    func aRequestThatEndsItsConnectionIsAnsweredThenClosed(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            #expect(try await client.get("/v1/users/cc/counts").status == .ok)  // cached: the fast path could answer
            let fastBefore = harness.fastAnswers
            for request in Self.closing {
                // A request sent behind it is not answered: the connection ends first.
                let answers = try await answersUntilClosed(port: port, request + RawHTTP.closing)
                #expect(answers.count == 1, "\(request): \(answers.map(\.status))")
                #expect(answers.first.map { (200...201).contains($0.status) } == true, "\(request)")
                #expect(answers.first?.headers.contains("Connection: close") == true, "\(request)")
                // Alone, it is answered and closed: a client reading to the close is not left waiting.
                #expect(try await answersUntilClosed(port: port, request).count == 1)
            }
            if fastPath {
                // Every request but the health check's, twice, was answered on the event loop.
                #expect(harness.fastAnswers == fastBefore + 2 * (Self.closing.count - 1))
            }
            for request in Self.keeping {
                let answers = try await answersUntilClosed(port: port, request + RawHTTP.closing)
                #expect(answers.map(\.status) == [200, 200], "\(request)")
                #expect(answers.first?.headers.contains("Connection: close") == false, "\(request)")
            }
        }
        await harness.shutdown()
    }

    @Test func onlyHeadsThatEndTheirConnectionWithoutSayingCloseExactlyAreRewritten() {
        func head(_ version: HTTPVersion, _ connection: [String]) -> HTTPRequestHead {
            HTTPRequestHead(
                version: version, method: .GET, uri: "/", headers: HTTPHeaders(connection.map { ("Connection", $0) }))
        }
        #expect(!ConnectionCloseHandler.needsRewrite(head(.http1_1, [])))
        #expect(!ConnectionCloseHandler.needsRewrite(head(.http1_1, ["close"])))
        #expect(!ConnectionCloseHandler.needsRewrite(head(.http1_1, ["keep-alive"])))
        #expect(ConnectionCloseHandler.needsRewrite(head(.http1_1, ["Close"])))
        #expect(ConnectionCloseHandler.needsRewrite(head(.http1_1, ["close, TE"])))
        #expect(ConnectionCloseHandler.needsRewrite(head(.http1_1, ["keep-alive", "close"])))
        #expect(ConnectionCloseHandler.needsRewrite(head(.http1_0, [])))
        #expect(!ConnectionCloseHandler.needsRewrite(head(.http1_0, ["keep-alive"])))
        #expect(!ConnectionCloseHandler.needsRewrite(head(.http1_0, ["close"])))
        var upgrade = head(.http1_1, ["Upgrade, HTTP2-Settings"])
        #expect(!ConnectionCloseHandler.needsRewrite(upgrade))
        upgrade.headers.add(name: "Upgrade", value: "h2c")
        #expect(ConnectionCloseHandler.needsRewrite(upgrade))
        var options = ConnectionOptions()
        for value in ["keep-alive", "close", "upgrades", "up grade", ""] { options.add(value) }
        #expect(!options.asksUpgrade)
        options.add(" x,\tUpGrade ")
        #expect(options.asksUpgrade)
    }
}
