import HeraldCore
import HeraldTestSupport
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import HeraldHTTP

/// HTTP/1.0 clients get answers they can read: a stream's body unframed and ended by the close
/// (never chunked), and `Connection: keep-alive` when they asked to keep the connection; a request
/// that cannot be parsed gets the API's JSON error; an HTTP/1.1 stream asked to close says so;
/// with the fast path and without it.
@Suite(.timeLimit(.minutes(1)))
struct HTTP1AnswerRewriterTests {
    private static let key = "Authorization: Bearer \(HTTPHarness.apiKey)\r\n"

    @Test(arguments: [true, false])
    func anAnswerToAKeepAliveRequestSaysSoAndTheConnectionServesTheNext(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let keepAlive = "Connection: Keep-Alive\r\n"
            let body = #"{"user":"h10","type":"t"}"#
            #expect(try await client.get("/v1/users/h10/counts").status == .ok)  // cached: the fast path could answer
            let fastBefore = harness.fastAnswers
            let answers = try await RawHTTP.exchange(
                port: try #require(client.port),
                "GET /v1/users/h10/counts HTTP/1.0\r\n\(Self.key)\(keepAlive)\r\n"
                    + "POST /v1/notifications HTTP/1.0\r\n\(Self.key)\(keepAlive)Content-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
                    + "GET /healthz HTTP/1.0\r\n\r\n",
                deadline: .seconds(20))
            #expect(answers.map(\.status) == [200, 201, 200])
            #expect(answers.prefix(2).allSatisfy { $0.headers.contains("Connection: keep-alive") })
            // The last one did not ask: it ends the connection.
            #expect(answers.last?.headers.contains("Connection: close") == true)
            // The fast path answers such requests (the health check goes to Hummingbird).
            if fastPath { #expect(harness.fastAnswers == fastBefore + 2) }
        }
        await harness.shutdown()
    }

    /// The token is known from a read first, so the fast path could take the stream: it leaves
    /// HTTP/1.0 streams to Hummingbird's route (with the fault that let it take those asking for
    /// keep-alive, it answered `HTTP/1.1 200` in chunks).
    @Test(arguments: [(true, "Connection: keep-alive\r\n"), (false, ""), (true, "")])
    func aStreamIsSentUnframedAndEndsWithTheClose(fastPath: Bool, connection: String) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            // Three seconds (its expiry rounded up to a whole second: three to four), as in
            // `StreamTests`: with two, the read before sometimes left it expired at the stream's
            // opening while the whole run kept the cores busy.
            let token = try await harness.token("h10", ttl: 3)
            #expect(try await client.get("/v1/users/h10/counts", credential: token).status == .ok)
            // Read until the server closes the connection when the token expires: the body's end.
            let received = try await RawHTTP.stream(
                port: try #require(client.port),
                "GET /v1/users/h10/stream HTTP/1.0\r\nAuthorization: Bearer \(token)\r\n\(connection)\r\n"
            ) {
                let answer = try await client.post("/v1/notifications", json: #"{"user":"h10","type":"t"}"#)
                #expect(answer.status == .created)
            }
            let parts = received.split(separator: "\r\n\r\n", maxSplits: 1)
            let head = try #require(parts.first).split(separator: "\r\n")
            #expect(head.first == "HTTP/1.0 200 OK")
            #expect(head.contains("Connection: close"))
            #expect(!head.contains { $0.lowercased().hasPrefix("transfer-encoding") })
            let body = try #require(parts.last)
            // The events as written, with no chunk sizes between them.
            #expect(body.hasPrefix("retry: 2000\n\nid: 0\nevent: counts\ndata: "))
            #expect(body.contains("\n\nid: 1\nevent: notification.created\ndata: {"))
            #expect(!body.contains("\r\n"))
        }
        await harness.shutdown()
    }

    /// An HTTP/1.1 stream asked with `Connection: close` says it closes (RFC 9112 §9.6), sent in
    /// chunks as any HTTP/1.1 stream, its token known to the fast path or not.
    @Test(arguments: [(true, true), (true, false), (false, true)])
    func anHTTP11StreamAskedToCloseSaysSo(fastPath: Bool, tokenKnown: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let token = try await harness.token("h11")
            if tokenKnown {
                #expect(try await client.get("/v1/users/h11/counts", credential: token).status == .ok)
            }
            let received = try await RawHTTP.stream(
                port: try #require(client.port),
                "GET /v1/users/h11/stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n\r\n",
                until: { $0.contains("event: counts") })
            let head = try #require(received.split(separator: "\r\n\r\n", maxSplits: 1).first).split(separator: "\r\n")
            #expect(head.first == "HTTP/1.1 200 OK")
            #expect(head.contains("Connection: close"))
            #expect(head.contains { $0.lowercased() == "transfer-encoding: chunked" })
            #expect(received.contains("event: counts"))
        }
        await harness.shutdown()
    }

    /// Requests NIO's parser rejects: an unknown method, a header name with a space, a head over
    /// 80 KiB, an HTTP version other than 1.0 and 1.1, a length beside a chunked coding, a bad
    /// chunk size; and those ``RequestHeadCheck`` rejects for their `Host` headers: HTTP/1.1 without `Host`, any with two.
    /// Each with what its answer says was wrong, when it says.
    static let unparsable: [(request: String, problem: String?)] = [
        ("GET /healthz HTTP/1.1\r\n\r\n", hosts),
        ("GET /v1/users/pe/counts HTTP/1.1\r\nHost: a\r\n\(key)Host: b\r\n\r\n", hosts),
        ("GET /healthz HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", hosts),
        (
            "POST /v1/notifications HTTP/1.1\r\n\(key)Content-Type: application/json\r\nExpect: 100-continue\r\n"
                + "Content-Length: 24\r\n\r\n{\"user\":\"pe\",\"type\":\"t\"}", hosts
        ),
        ("GET\u{1} / HTTP/1.1\r\nHost: t\r\n\r\n", "unknown method"),
        ("GET /healthz HTTP/1.1\r\nHost: t\r\nX Bad: 1\r\n\r\n", "invalid characters in its head"),
        // Over NIO's 80 KiB for the request line and headers together, in either.
        ("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "b", count: 82_000))\r\n\r\n", tooLarge),
        ("GET /healthz?\(String(repeating: "q", count: 82_000)) HTTP/1.1\r\nHost: t\r\n\r\n", tooLarge),
        ("GET /healthz HTTP/1.2\r\nHost: t\r\n\r\n", "unsupported HTTP version"),
        (
            "POST /v1/notifications HTTP/1.1\r\nHost: t\r\n\(key)Content-Type: application/json\r\n"
                + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            nil  // NIO's parser does not tell this one apart
        ),
        (
            "POST /v1/notifications HTTP/1.1\r\nHost: t\r\n\(key)Content-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk in its body"
        ),
    ]
    private static let hosts = "an HTTP/1.1 request needs one Host header, and no request may have two"
    private static let tooLarge = "its head is too large"

    @Test(arguments: [true, false])
    func aRequestThatCannotBeParsedGetsTheAPIsJSONErrorAfterTheAnswersBeforeIt(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let create = RawHTTP.create(#"{"user":"pe","type":"t"}"#)
            for (request, problem) in Self.unparsable {
                for ahead in ["", RawHTTP.get("/v1/users/pe/counts")] {
                    // The connection closes after the 400: nothing sent behind it is answered, or
                    // done (the create).
                    let answers = try await RawHTTP.exchange(
                        port: port, ahead + request + create + RawHTTP.closing, deadline: .seconds(20))
                    #expect(answers.map(\.status) == (ahead.isEmpty ? [400] : [200, 400]), "\(request)")
                    let answer = try #require(answers.last)
                    let message = "the request is not valid HTTP" + (problem.map { ": " + $0 } ?? "")
                    #expect(
                        answer.body == #"{"error":{"code":"invalid_request","message":"\#(message)"}}"#, "\(request)")
                    for header in [
                        "Content-Type: application/json; charset=utf-8", "Connection: close", "Server: herald",
                    ] {
                        #expect(answer.headers.contains(header), "\(header): \(answer.headers)")
                    }
                    #expect(answer.headers.contains { $0.hasPrefix("X-Request-Id: ") })
                }
            }
            #expect(try await harness.services.store.counts(user: "pe").seq == 0)
        }
        await harness.shutdown()
    }

    /// A `CONNECT` is `400 invalid_request`, and its connection ends right after it: Herald is not a
    /// proxy, and NIO's parser reads the bytes after the head as a tunnel's. It used to get a `404`
    /// (or `405` on a route's path) without a body or a length, as NIO's encoder, then paired with
    /// its decoder, framed answers to `CONNECT`, on a connection that stayed open for the idle
    /// timeout.
    @Test(arguments: [true, false])
    func aConnectIsRefusedAndEndsItsConnection(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            for target in ["example.com:443", "/v1/users/pe/counts", "127.0.0.1:\(port)"] {
                for ahead in ["", RawHTTP.get("/v1/users/pe/counts")] {
                    let connect = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n"
                    let answers = try await RawHTTP.exchange(port: port, ahead + connect, deadline: .seconds(20))
                    #expect(answers.map(\.status) == (ahead.isEmpty ? [400] : [200, 400]), "\(target)")
                    let answer = try #require(answers.last)
                    #expect(answer.headers.contains("Connection: close"), "\(answer.headers)")
                    let message = "the request is not valid HTTP: CONNECT is not supported: herald is not a proxy"
                    #expect(answer.body == #"{"error":{"code":"invalid_request","message":"\#(message)"}}"#)
                }
            }
        }
        await harness.shutdown()
    }

    /// Answers to `HEAD` have no body, the error answers Hummingbird writes included, and each answer
    /// after one keeps its own: behind a request the fast path answered, a `HEAD` Hummingbird
    /// answered once left the next `GET`'s answer without its body (NIO's encoder, told each
    /// request's method, took the fast path's request's for the `HEAD`'s answer).
    @Test(arguments: [true, false])
    func answersToHeadHaveNoBodyAndTheNextAnswerKeepsItsOwn(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let auth = "Authorization: Bearer \(HTTPHarness.apiKey)\r\n"
            #expect(try await client.get("/v1/users/pe/counts").status == .ok)  // cached: the fast path answers it
            let before = harness.fastAnswers
            let afterAFastAnswer = try await Self.pieces(
                port: port,
                RawHTTP.get("/v1/users/pe/counts")
                    + "HEAD /v1/users/pe/notifications HTTP/1.1\r\nHost: h\r\n\(auth)\r\n"
                    + RawHTTP.closing)
            #expect(afterAFastAnswer.count == 4, "\(afterAFastAnswer)")
            if afterAFastAnswer.count == 4 {
                #expect(afterAFastAnswer[1].hasPrefix(#"{"seq":0,"unread":0"#))
                #expect(afterAFastAnswer[1].contains("HTTP/1.1 200 OK") && afterAFastAnswer[1].contains("Length: 39"))
                #expect(afterAFastAnswer[2].hasPrefix("HTTP/1.1 200 OK"))
                #expect(afterAFastAnswer[3] == #"{"status":"ok"}"#)
            }
            if fastPath { #expect(harness.fastAnswers > before) }
            let errors = try await Self.pieces(
                port: port,
                "HEAD /no/such/route HTTP/1.1\r\nHost: h\r\n\r\nHEAD /v1/users/pe/counts HTTP/1.1\r\nHost: h\r\n\r\n"
                    + RawHTTP.closing)
            #expect(errors.count == 4, "\(errors)")
            if errors.count == 4 {
                #expect(errors[0].hasPrefix("HTTP/1.1 404 Not Found") && errors[0].contains("Content-Length: 59"))
                #expect(errors[1].hasPrefix("HTTP/1.1 401 Unauthorized"))
                #expect(errors[2].hasPrefix("HTTP/1.1 200 OK"))
                #expect(errors[3] == #"{"status":"ok"}"#)
            }
        }
        await harness.shutdown()
    }

    /// What a fresh connection receives for `requests`, cut at every blank line (a head's end).
    private static func pieces(port: Int, _ requests: String) async throws -> [String] {
        try await RawHTTP.received(port: port, requests).components(separatedBy: "\r\n\r\n")
    }

    @Test func oneHostIsRequiredAndNoneOnlyOfHTTP10() {
        func head(_ version: HTTPVersion, _ hosts: [String]) -> HTTPRequestHead {
            HTTPRequestHead(version: version, method: .GET, uri: "/", headers: HTTPHeaders(hosts.map { ("Host", $0) }))
        }
        #expect(RequestHeadCheck.hasValidHost(head(.http1_1, ["a"])))
        #expect(RequestHeadCheck.hasValidHost(head(.http1_0, ["a"])))
        #expect(RequestHeadCheck.hasValidHost(head(.http1_0, [])))
        #expect(!RequestHeadCheck.hasValidHost(head(.http1_1, [])))
        #expect(!RequestHeadCheck.hasValidHost(head(.http1_1, ["a", "a"])))
        #expect(!RequestHeadCheck.hasValidHost(head(.http1_0, ["a", "b"])))
        let connect = HTTPRequestHead(version: .http1_1, method: .CONNECT, uri: "a:443", headers: ["Host": "a:443"])
        #expect(RequestHeadCheck.rejection(of: connect)?.answer.message == HeraldError.connectNotSupported.message)
        #expect(RequestHeadCheck.rejection(of: head(.http1_1, ["a"])) == nil)
    }

    @Test func onlyHTTP10AnswersAreReframed() {
        let json = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "2"])
        let stream = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Type": "text/event-stream"])
        let closing = HTTPResponseHead(
            version: .http1_1, status: .ok, headers: ["Content-Length": "2", "Connection": "close"])
        let empty = HTTPResponseHead(version: .http1_1, status: .noContent)

        #expect(HTTP1AnswerRewriter.frame(json, for: .http11) == nil)
        #expect(HTTP1AnswerRewriter.frame(stream, for: .http11) == nil)
        #expect(HTTP1AnswerRewriter.frame(json, for: .http10Closing) == nil)
        #expect(HTTP1AnswerRewriter.frame(closing, for: .http10KeepingAlive) == nil)

        let kept = HTTP1AnswerRewriter.frame(json, for: .http10KeepingAlive)
        #expect(kept?.version == .http1_1)
        #expect(kept?.headers["Connection"] == ["keep-alive"])
        #expect(HTTP1AnswerRewriter.frame(empty, for: .http10KeepingAlive)?.headers["Connection"] == ["keep-alive"])

        for request in [HTTP1AnswerRewriter.Request.http10KeepingAlive, .http10Closing] {
            let unframed = HTTP1AnswerRewriter.frame(stream, for: request)
            #expect(unframed?.version == .http1_0)
            #expect(unframed?.headers["Connection"] == ["close"])
        }

        #expect(HTTP1AnswerRewriter.frame(json, for: .http11, isHead: true) == nil)
        #expect(HTTP1AnswerRewriter.frame(stream, for: .http11, isHead: true)?.headers["Connection"] == ["close"])
        #expect(HTTP1AnswerRewriter.frame(closing, for: .http11, isHead: true) == nil)

        func request(_ version: HTTPVersion, _ headers: HTTPHeaders = [:]) -> HTTP1AnswerRewriter.Request {
            HTTP1AnswerRewriter.request(HTTPRequestHead(version: version, method: .GET, uri: "/", headers: headers))
        }
        #expect(request(.http1_1) == .http11)
        #expect(request(.http1_1, ["Connection": "close"]) == .http11)
        #expect(request(.http1_0) == .http10Closing)
        #expect(request(.http1_0, ["Connection": "keep-alive"]) == .http10KeepingAlive)
    }

    /// The closes a handler further in asks for, kept instead of passed on (an embedded channel
    /// cannot close only its output).
    private final class CloseRecorder: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var modes: [CloseMode] = []

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            modes.append(mode)
            promise?.succeed(())
        }
    }

    /// An embedded channel with NIO's codec, unpaired as the server has it, and a rewriter, whose
    /// closes the recorder keeps.
    private static func rewriterChannel() throws -> (EmbeddedChannel, CloseRecorder) {
        let closes = CloseRecorder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            HTTPResponseEncoder(), ByteToMessageHandler(HTTPRequestDecoder()), closes,
            HTTP1AnswerRewriter(serverName: "herald"),
        ])
        return (channel, closes)
    }

    /// Writes a `200` with `headers` and `body` as Hummingbird does: head, body, end.
    private static func answer(_ headers: HTTPHeaders, body: String, on channel: EmbeddedChannel) throws {
        try channel.writeOutbound(
            HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
        try channel.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body))))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    }

    /// An answer of unknown length to an HTTP/1.0 request that is not a stream (none of Herald's
    /// routes gives one today): HTTP/1.0, `Connection: close`, unframed, and its end closes the
    /// output, which is what ends the body for the client. An answer of known length to the
    /// request after it on a kept connection is left framed and open.
    @Test func anUnknownLengthAnswerToHTTP10EndsWithTheClose() throws {
        let (channel, closes) = try Self.rewriterChannel()
        func answer(_ headers: HTTPHeaders, body: String) throws { try Self.answer(headers, body: body, on: channel) }

        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
        try channel.writeInbound(ByteBuffer(string: "GET /b HTTP/1.0\r\n\r\n"))
        try answer(["Content-Length": "2"], body: "ok")
        let kept = try channel.writtenText()
        #expect(kept.hasPrefix("HTTP/1.1 200 OK\r\n") && kept.contains("Connection: keep-alive\r\n"), "\(kept)")
        #expect(kept.hasSuffix("\r\n\r\nok") && closes.modes.isEmpty)

        try answer(["Content-Type": "text/plain"], body: "unframed")
        let unframed = try channel.writtenText()
        #expect(unframed.hasPrefix("HTTP/1.0 200 OK\r\n") && unframed.contains("Connection: close\r\n"), "\(unframed)")
        #expect(!unframed.lowercased().contains("transfer-encoding"))
        #expect(unframed.hasSuffix("\r\n\r\nunframed"))
        #expect(closes.modes == [.output])
        _ = try channel.finish()
    }

    /// An answer to `HEAD` goes without its body; one of unknown length (none of Herald's routes
    /// gives one today) also says `Connection: close` and its end closes the output, since the
    /// encoder frames it in chunks and ends it with a last chunk the client must not read as an
    /// answer.
    @Test func anAnswerToHeadDropsItsBodyAndClosesWhenItHasNoLength() throws {
        let (channel, closes) = try Self.rewriterChannel()
        func answer(_ headers: HTTPHeaders, body: String) throws { try Self.answer(headers, body: body, on: channel) }

        try channel.writeInbound(ByteBuffer(string: "HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n"))
        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"))
        try channel.writeInbound(ByteBuffer(string: "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"))
        try answer(["Content-Length": "4"], body: "body")
        let head = try channel.writtenText()
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.hasSuffix("Content-Length: 4\r\n\r\n"), "\(head)")
        try answer(["Content-Length": "4"], body: "body")
        #expect(try channel.writtenText().hasSuffix("\r\n\r\nbody"))
        #expect(closes.modes.isEmpty)

        try answer(["Content-Type": "text/plain"], body: "unframed")
        let unknown = try channel.writtenText()
        #expect(unknown.contains("Connection: close\r\n") && !unknown.contains("unframed"), "\(unknown)")
        #expect(closes.modes == [.output])
        _ = try channel.finish()
    }
}
