import Foundation
import HeraldTestSupport
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import HeraldHTTP

/// A connection silent for the idle timeout, with no answer owed, is closed: between requests and
/// with half a request sent, with the fast path and without; requests keep it open, and an SSE
/// stream is never closed for being quiet.
@Suite(.timeLimit(.minutes(1)))
struct IdleConnectionTests {
    static let timeout: Duration = .seconds(1)
    static let counts =
        "GET /v1/users/ic/counts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(HTTPHarness.apiKey)\r\n\r\n"

    /// Writes `sends` one after another, `pause` apart, on a fresh connection, then reads until the
    /// server closes it; returns what was read and how long after the last send the close came.
    private func silence(
        port: Int, sending sends: [String], pause: Duration = .zero
    ) async throws -> (received: String, closedAfter: Duration) {
        let channel = try await RawHTTP.connect(port: port)
        return try await channel.executeThenClose { inbound, outbound in
            let reading = Task {
                var received = ""
                for try await chunk in inbound { received += String(buffer: chunk) }
                return (received, ContinuousClock.now)
            }
            var lastSent = ContinuousClock.now
            for (index, text) in sends.enumerated() {
                if index > 0 { try await Task.sleep(for: pause) }
                try await outbound.write(ByteBuffer(string: text))
                lastSent = .now
            }
            let (received, closed) = try await reading.value
            return (received, closed - lastSent)
        }
    }

    @Test(arguments: [true, false])
    func aSilentConnectionIsClosedAfterTheTimeout(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, idleTimeout: Self.timeout)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            #expect(try await client.get("/v1/users/ic/counts").status == .ok)  // cached: the fast path answers
            // Between requests: answered, then closed once silent for the timeout.
            let (received, closedAfter) = try await silence(port: port, sending: [Self.counts])
            #expect(received.hasPrefix("HTTP/1.1 200 OK\r\n") && received.hasSuffix(#""user":"ic"}"#), "\(received)")
            #expect(closedAfter >= Self.timeout * 0.9 && closedAfter < .seconds(10), "\(closedAfter)")
            // Half a request, never finished: closed without an answer.
            let (partial, partialClosedAfter) = try await silence(port: port, sending: ["GET /v1/users/ic/co"])
            #expect(partial.isEmpty)
            #expect(partialClosedAfter >= Self.timeout * 0.9 && partialClosedAfter < .seconds(10))
        }
        await harness.shutdown()
    }

    @Test func requestsKeepTheConnectionOpen() async throws {
        let harness = try await HTTPHarness(idleTimeout: Self.timeout)
        try await harness.app.test(.live) { client in
            // Six requests 300 ms apart: well past the timeout in all, never that silent.
            let (received, _) = try await silence(
                port: try #require(client.port), sending: Array(repeating: Self.counts, count: 6),
                pause: .milliseconds(300))
            #expect(received.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 6, "\(received)")
        }
        await harness.shutdown()
    }

    /// On an event loop whose clock the test moves: checked once every timeout, a connection with
    /// no byte read or written since the check before is closed, but not while an answer is owed.
    @Test func aConnectionSilentFromOneCheckToTheNextIsClosedUnlessAnAnswerIsOwed() throws {
        var owed = false
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(
            handler: IdleConnectionHandler(timeout: .seconds(10), owesAnswer: { owed }), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        loop.advanceTime(by: .seconds(9))
        try channel.writeInbound(ByteBuffer(string: "GET"))  // a read before the first check (10 s)
        loop.advanceTime(by: .seconds(9))  // 18 s
        #expect(channel.isActive)
        try channel.writeOutbound(IOData.byteBuffer(ByteBuffer(string: "HTTP/1.1")))  // a write before 20 s
        loop.advanceTime(by: .seconds(9))  // 27 s
        #expect(channel.isActive)
        owed = true  // silent from here on, but a request waits for its answer
        loop.advanceTime(by: .seconds(30))  // 57 s: the checks at 30, 40 and 50 s found it silent
        #expect(channel.isActive)
        owed = false
        loop.advanceTime(by: .seconds(3))  // 60 s
        #expect(!channel.isActive)
    }

    /// Without the fast path, the requests whose responses have not ended are counted apart.
    @Test func pendingAnswersAreTheRequestsReadWhoseResponsesHaveNotEnded() throws {
        let counter = PendingAnswerCounter()
        let channel = EmbeddedChannel(handler: counter)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        #expect(counter.owesAnswer)
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        try channel.writeInbound(HTTPServerRequestPart.head(head))  // pipelined
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        #expect(counter.owesAnswer)
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        #expect(!counter.owesAnswer)
        _ = try channel.finish()
    }

    @Test(arguments: [true, false])
    func aQuietStreamStaysOpen(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, idleTimeout: Self.timeout)
        try await harness.app.test(.live) { client in
            let stream = try await SSEReader(
                port: try #require(client.port), path: "/v1/users/ic/stream",
                headers: ["Authorization": "Bearer \(HTTPHarness.apiKey)"])
            let event: Result<String?, any Error>
            do {
                #expect(try await stream.nextEvent()?.event == "counts")
                try await Task.sleep(for: Self.timeout * 3)  // no heartbeat due (15 s): the stream is silent
                // Through the service: the test client's own kept-alive connection was just as silent.
                _ = try await harness.services.service.create(try ServiceHarness.draft(user: "ic", id: "q1"))
                event = .success(try await stream.nextEvent()?.event)
            } catch {
                event = .failure(error)
            }
            await stream.close()
            #expect(try event.get() == "notification.created")
        }
        await harness.shutdown()
    }
}
