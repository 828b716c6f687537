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
    static let counts = RawHTTP.get("/v1/users/ic/counts")

    /// Writes `sends` one after another, `pause` apart, on a fresh connection (until the server
    /// closes it), then reads until it is closed (or reset); returns what was read and how long
    /// after the last send the close came.
    private func silence(
        port: Int, sending sends: [String], pause: Duration = .zero
    ) async throws -> (received: String, closedAfter: Duration) {
        let channel = try await RawHTTP.connect(port: port)
        return try await channel.executeThenClose { inbound, outbound in
            let reading = Task {
                var received = ""
                do {
                    for try await chunk in inbound { received += String(buffer: chunk) }
                } catch let error as IOError where error.errnoCode == ECONNRESET {
                    // Closed while bytes sent a byte at a time were on their way: a reset, after
                    // what the server wrote before it.
                }
                return (received, ContinuousClock.now)
            }
            var lastSent = ContinuousClock.now
            for (index, text) in sends.enumerated() {
                if index > 0 { try await Task.sleep(for: pause) }
                do {
                    try await outbound.write(ByteBuffer(string: text))
                } catch {
                    break  // closed by the server before all was sent
                }
                lastSent = .now
            }
            let (received, closed) = try await reading.value
            return (received, closed - lastSent)
        }
    }

    /// `herald_http_connections_closed_total{reason="…"}` in the test process's shared registry.
    private static func closedConnections(_ reason: String, _ harness: HTTPHarness) -> Int {
        harness.metric(#"herald_http_connections_closed_total{reason=""# + reason + #""}"#)
    }

    /// A POST of JSON to `path` whose head announces 100 bytes of body, of which only `start`
    /// follows.
    private static func halfABody(_ path: String, _ start: String) -> String {
        "POST \(path) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(HTTPHarness.apiKey)\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n\(start)"
    }

    @Test(arguments: [true, false])
    func aSilentConnectionIsClosedAfterTheTimeout(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, idleTimeout: Self.timeout)
        let (idleBefore, slowBefore) = (
            Self.closedConnections("idle", harness), Self.closedConnections("slow", harness)
        )
        defer {
            // Between requests once; halfway through a request three times (other suites may add).
            #expect(Self.closedConnections("idle", harness) >= idleBefore + 1)
            #expect(Self.closedConnections("slow", harness) >= slowBefore + 3)
        }
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            #expect(try await client.get("/v1/users/ic/counts").status == .ok)  // cached: the fast path answers
            // Between requests: answered, then closed once silent for the timeout.
            let (received, closedAfter) = try await silence(port: port, sending: [Self.counts])
            #expect(received.hasPrefix("HTTP/1.1 200 OK\r\n") && received.hasSuffix(#""user":"ic"}"#), "\(received)")
            #expect(closedAfter >= Self.timeout * 0.9 && closedAfter < .seconds(10), "\(closedAfter)")
            // Half a request, never finished: answered 408 and closed.
            let (partial, partialClosedAfter) = try await silence(port: port, sending: ["GET /v1/users/ic/co"])
            #expect(partial.hasPrefix("HTTP/1.1 408 Request Timeout\r\n") && partial.contains("request_timeout"))
            #expect(partialClosedAfter >= Self.timeout * 0.9 && partialClosedAfter < .seconds(10))
            // A head sent a byte at a time, never silent: cut off once it took over a timeout.
            let head = Array(Self.counts).map { String($0) }
            let (trickled, _) = try await silence(port: port, sending: head, pause: .milliseconds(200))
            #expect(trickled.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(trickled)")
            // A create whose body stops halfway: closed.
            let create = Self.halfABody("/v1/notifications", #"{"user_id": "#)
            let (stalled, stalledClosedAfter) = try await silence(port: port, sending: [create])
            #expect(!stalled.hasPrefix("HTTP/1.1 2"), "\(stalled)")
            #expect(stalledClosedAfter >= Self.timeout * 0.9 && stalledClosedAfter < .seconds(10))
            // A batch whose body stops halfway goes to Hummingbird, whose handler waits for the
            // body: an answer is owed (it may be on its way), so no 408, only the close.
            let batch = Self.halfABody("/v1/notifications/batch", #"{"notifications": "#)
            let (owed, owedClosedAfter) = try await silence(port: port, sending: [batch])
            #expect(!owed.contains("408"), "\(owed)")
            #expect(owedClosedAfter >= Self.timeout * 0.9 && owedClosedAfter < .seconds(10))
        }
        await harness.shutdown()
    }

    /// A create whose commit waits longer than two idle checks (the store's writer held by another
    /// write) keeps its silent connection and is answered: its answer is owed, with the fast path
    /// by the fast path itself, without it by Hummingbird.
    @Test(arguments: [true, false])
    func aCreateWaitingOnItsCommitIsAnsweredNotClosedForSilence(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, idleTimeout: Self.timeout)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let hold = Self.timeout * 3  // the checks at 1 and 2 s find the connection silent
            let (held, holding) = AsyncStream.makeStream(of: Void.self)
            let writer = Task {
                try await harness.services.store.pool.write { _ in
                    holding.yield()
                    Thread.sleep(forTimeInterval: Double(hold.components.seconds))
                }
            }
            for await _ in held { break }
            let create = RawHTTP.create(#"{"user":"held","type":"t"}"#)
            let (received, closedAfter) = try await silence(port: port, sending: [create])
            try await writer.value
            #expect(received.hasPrefix("HTTP/1.1 201 Created\r\n"), "\(received)")
            #expect(closedAfter >= hold, "\(closedAfter)")
            #expect(harness.fastAnswers == (fastPath ? 1 : 0))
        }
        await harness.shutdown()
    }

    /// What a client sends after its unfinished request was answered 408 is dropped, not read as
    /// the rest of that request: a create whose head is finished only then creates nothing, with
    /// the fast path and without.
    @Test(arguments: [true, false])
    func whatArrivesAfterA408IsDropped(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, idleTimeout: Self.timeout)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let create = RawHTTP.create(#"{"user":"late","type":"t"}"#)
            let split = create.index(create.startIndex, offsetBy: 30)  // within the head
            let connection = try await RawHTTP.connect(port: port, halfClosure: true)
            let received = try await connection.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: String(create[..<split])))
                var received = ""
                do {
                    for try await chunk in inbound {
                        received += String(buffer: chunk)
                        if received.hasSuffix("}}") {  // the 408's body: now the rest of the create
                            try await outbound.write(ByteBuffer(string: String(create[split...])))
                        }
                    }
                } catch let error as IOError where error.errnoCode == ECONNRESET {
                    // Closed with the rest unread: a reset, after the 408.
                }
                return received
            }
            #expect(received.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(received)")
            // Time for a create read from the rest to commit (the test client's connection has
            // timed out: a fresh one).
            try await Task.sleep(for: .milliseconds(200))
            let counts = try await RawHTTP.answersAlone(port: port, [RawHTTP.get("/v1/users/late/counts")])
            #expect(counts[0].body.contains(#""unread":0,"#), "\(counts)")
        }
        await harness.shutdown()
    }

    @Test func requestsKeepTheConnectionOpen() async throws {
        // Six requests 500 ms apart: past the timeout in all, never that silent (with a margin
        // for a pause that comes late on a loaded machine: 1 s against 300 ms failed once).
        let harness = try await HTTPHarness(idleTimeout: .seconds(2))
        try await harness.app.test(.live) { client in
            let (received, _) = try await silence(
                port: try #require(client.port), sending: Array(repeating: Self.counts, count: 6),
                pause: .milliseconds(500))
            #expect(received.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 6, "\(received)")
        }
        await harness.shutdown()
    }

    /// An embedded connection as a server's without the fast path, on an event loop whose clock the
    /// test moves: the idle handler, NIO's HTTP/1 codec, then the counter of requests and answers.
    private func embeddedConnection(timeout: TimeAmount = .seconds(10)) throws -> (EmbeddedChannel, EmbeddedEventLoop) {
        _ = HTTPHarness.sharedRegistry  // metrics bootstrapped before the handler's counters are made
        let loop = EmbeddedEventLoop()
        let counter = PendingAnswerCounter()
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandlers([
            IdleConnectionHandler(timeout: timeout, ledger: counter, serverName: "herald"),
            HTTPResponseEncoder(), ByteToMessageHandler(HTTPRequestDecoder()), counter,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, loop)
    }

    private static func answer(_ channel: EmbeddedChannel) throws {
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .noContent)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    }

    /// Checked once every timeout, a connection with no byte read or written since the check
    /// before is closed, but not while an answer is owed.
    @Test func aConnectionSilentFromOneCheckToTheNextIsClosedUnlessAnAnswerIsOwed() throws {
        let (channel, loop) = try embeddedConnection()
        loop.advanceTime(by: .seconds(9))
        // Read before the first check (10 s).
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: t\r\n\r\n"))
        loop.advanceTime(by: .seconds(9))  // 18 s
        #expect(channel.isActive)
        try Self.answer(channel)  // written before the check at 20 s
        loop.advanceTime(by: .seconds(9))  // 27 s
        #expect(channel.isActive)
        // Silent from here on, but a request waits for its answer.
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: t\r\n\r\n"))
        loop.advanceTime(by: .seconds(30))  // 57 s: the checks at 40 and 50 s found it silent
        #expect(channel.isActive)
        try Self.answer(channel)
        loop.advanceTime(by: .seconds(12))  // 69 s: the check at 60 s saw the answer
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))  // 70 s: silent since 60 s
        #expect(!channel.isActive)
        #expect(!(try channel.writtenText()).contains("408"))  // closed between requests: nothing to answer
    }

    /// A request whose head arrives a byte at a time is cut off once it was unfinished at two
    /// checks in a row, with a 408, though the connection was never silent.
    @Test func aRequestTooSlowToArriveIsAnsweredWith408AndClosed() throws {
        let (channel, loop) = try embeddedConnection()
        for byte in "GET / HTTP/1.1\r\nHost: t\r\n" {  // ~24 bytes, one every 2 s
            loop.advanceTime(by: .seconds(2))
            guard channel.isActive else { break }
            try channel.writeInbound(ByteBuffer(string: String(byte)))
        }
        #expect(!channel.isActive)  // closed at 20 s: unfinished at 10 and 20 s
        let written = try channel.writtenText()
        #expect(written.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(written)")
        #expect(written.contains("\r\nConnection: close\r\n") && written.contains("\r\nServer: herald\r\n"))
        #expect(
            written.hasSuffix(
                #"{"error":{"code":"request_timeout","message":"the request did not arrive in full within 10 s"}}"#))
    }

    /// A request whose body stops halfway is owed an answer (its handler waits for the body), so
    /// it is never silent enough; it is closed for being unfinished at two checks in a row, with
    /// no 408 (the handler's answer may be on its way). One answered early is closed with no 408.
    @Test func aBodyThatStopsHalfwayIsClosed() throws {
        let (channel, loop) = try embeddedConnection()
        try channel.writeInbound(ByteBuffer(string: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"))
        loop.advanceTime(by: .seconds(19))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))  // 20 s: unfinished at 10 and 20 s
        #expect(!channel.isActive)
        #expect(try channel.writtenText().isEmpty)
        // Answered before its body arrived (an early 401), then stopped: closed, and no 408 after
        // the answer.
        let (answered, answeredLoop) = try embeddedConnection()
        try answered.writeInbound(ByteBuffer(string: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"))
        try Self.answer(answered)
        answeredLoop.advanceTime(by: .seconds(20))
        #expect(!answered.isActive)
        let written = try answered.writtenText()
        #expect(written.hasPrefix("HTTP/1.1 204 No Content\r\n") && !written.contains("408"), "\(written)")
    }

    /// Once the server shuts down, a request still unfinished a second later is cut off though its
    /// answer is owed (its handler waits for the body), while one read in full keeps its
    /// connection until answered.
    @Test func aStalledRequestIsCutOffOnceTheServerShutsDown() throws {
        let (stalled, stalledLoop) = try embeddedConnection()
        try stalled.writeInbound(ByteBuffer(string: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"))
        stalledLoop.advanceTime(by: .seconds(3))
        stalled.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        stalledLoop.advanceTime(by: .milliseconds(900))
        #expect(stalled.isActive)
        stalledLoop.advanceTime(by: .milliseconds(100))  // a second after the quiesce, nothing sent
        #expect(!stalled.isActive)

        let (answering, answeringLoop) = try embeddedConnection()
        try answering.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: t\r\n\r\n"))
        answering.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        answeringLoop.advanceTime(by: .seconds(9))  // the answer takes its time
        #expect(answering.isActive)
        try Self.answer(answering)
        _ = try answering.finish(acceptAlreadyClosed: true)
    }

    /// A batch whose body stopped halfway, through Hummingbird (whose handler waits for the body),
    /// or a create the fast path is reading (which holds the shutdown's quiesce until the request
    /// is answered), does not hold the server's shutdown for the idle timeout (20 s here): cut off
    /// a second or two after it begins.
    @Test(arguments: [false, true])
    func aBodyThatStopsHalfwayDoesNotHoldTheShutdown(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, idleTimeout: .seconds(20))
        let batch = Self.halfABody("/v1/notifications\(fastPath ? "" : "/batch")", "{")
        let (stalled, shutdownBegan) = try await harness.app.test(.live) { client in
            let channel = try await RawHTTP.connect(port: try #require(client.port))
            let stalled = Task {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: batch))
                    for try await _ in inbound {}
                }
            }
            try await Task.sleep(for: .milliseconds(300))  // the head is read and the route waits
            return (stalled, ContinuousClock.now)
        }
        let shutdownTook = ContinuousClock.now - shutdownBegan
        #expect(shutdownTook < .seconds(10), "\(shutdownTook)")
        _ = await stalled.result  // closed by the server
        await harness.shutdown()
    }

    /// A create whose body is still arriving when the server begins to shut down is read to its end
    /// and answered before the connection closes, with the fast path (which reads it) and without.
    @Test(arguments: [true, false])
    func aRequestStillArrivingAtShutdownIsAnswered(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, idleTimeout: .seconds(20))
        let body = #"{"user":"sd","type":"t"}"#
        let head =
            "POST /v1/notifications HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(HTTPHarness.apiKey)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        let arriving = try await harness.app.test(.live) { client in
            let channel = try await RawHTTP.connect(port: try #require(client.port))
            let arriving = Task {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: head + body.prefix(10)))
                    try await Task.sleep(for: .milliseconds(600))  // the shutdown began 300 ms ago
                    try await outbound.write(ByteBuffer(string: String(body.dropFirst(10))))
                    var received = ""
                    for try await chunk in inbound { received += String(buffer: chunk) }
                    return received
                }
            }
            try await Task.sleep(for: .milliseconds(300))  // the head is read, the body not all
            return arriving
        }
        let received = try await arriving.value
        #expect(received.hasPrefix("HTTP/1.1 201 Created"), "\(received)")
        await harness.shutdown()
    }

    /// Requests that each arrive in time keep the connection however long it reads, even when
    /// every check falls in the middle of one.
    @Test func requestsFinishedBetweenChecksKeepTheConnection() throws {
        let (channel, loop) = try embeddedConnection()
        for _ in 0..<10 {  // a request every 10 s, each split across a check
            loop.advanceTime(by: .seconds(9))
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
            loop.advanceTime(by: .seconds(1))
            #expect(channel.isActive)
            try channel.writeInbound(ByteBuffer(string: "Host: t\r\n\r\n"))
            try Self.answer(channel)
        }
        #expect(channel.isActive)
        _ = try channel.finish(acceptAlreadyClosed: true)
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
