import HeraldTestSupport
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import NIOPosix
import Testing

@testable import HeraldHTTP

/// Connections get Hummingbird's async channel only when a request reaches Hummingbird
/// (``DeferredHTTP1Channel``): on their own, through ``HummingbirdConnectionStarter``, and live,
/// where what Hummingbird's request loop did for every connection (close a connection whose client
/// closed its side, answer an unparsable request `400`) still happens with and without the fast path.
@Suite(.timeLimit(.minutes(1)))
struct DeferredHTTP1ChannelTests {
    private static let countsRequest = RawHTTP.get("/v1/users/dc/counts")

    /// A starter in a channel of its own, and the future its connection's task waits on.
    private func starterChannel() throws -> (
        EmbeddedChannel, HummingbirdConnectionStarter,
        EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?>
    ) {
        let channel = EmbeddedChannel()
        let starter = HummingbirdConnectionStarter(eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(starter)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, starter, starter.asyncChannel)
    }

    /// Whether `future`, of an embedded channel's loop, is complete.
    private static func settled<Value>(_ future: EventLoopFuture<Value>) -> Bool {
        var done = false
        future.assumeIsolated().whenComplete { _ in done = true }
        return done
    }

    @Test func theFirstRequestPartStartsHummingbirdAndReachesIt() throws {
        let (channel, _, asyncChannel) = try starterChannel()
        #expect(!Self.settled(asyncChannel))
        try channel.writeInbound(
            HTTPRequestPart.head(.init(method: .get, scheme: nil, authority: nil, path: "/healthz")))
        #expect(try asyncChannel.wait() != nil)
        // The starter went, and the part went on to the async channel's handler (which passes reads on).
        #expect((try? channel.pipeline.syncOperations.handler(type: HummingbirdConnectionStarter.self)) == nil)
        if case .head(let head)? = try channel.readInbound(as: HTTPRequestPart.self) {
            #expect(head.path == "/healthz")
        } else {
            Issue.record("the head did not reach the async channel")
        }
        _ = try? channel.finish()
    }

    @Test func anErrorStartsHummingbirdSoItCanAnswer() throws {
        let (channel, _, asyncChannel) = try starterChannel()
        channel.pipeline.fireErrorCaught(ChannelError.inputClosed)
        #expect(try asyncChannel.wait() != nil)
        _ = try? channel.finish()
    }

    @Test func aConnectionThatClosesFirstEndsItsTaskWithoutHummingbird() throws {
        let (channel, _, asyncChannel) = try starterChannel()
        try channel.close().wait()
        #expect(try asyncChannel.wait() == nil)
    }

    @Test func aStreamReleasesTheTaskAndTheStarterGoes() throws {
        let (channel, starter, asyncChannel) = try starterChannel()
        starter.releaseTask()
        #expect(try asyncChannel.wait() == nil)
        #expect((try? channel.pipeline.syncOperations.handler(type: HummingbirdConnectionStarter.self)) == nil)
        _ = try? channel.finish()
    }

    @Test func aClientClosingItsSideBeforeAnyRequestReachedHummingbirdIsClosed() throws {
        let (channel, _, asyncChannel) = try starterChannel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!channel.isActive)
        #expect(try asyncChannel.wait() == nil)
    }

    @Test func aTaskCancelledWhileWaitingClosesItsConnection() async throws {
        let deferred = DeferredHTTP1Channel(responder: { _, _, _ in }, configuration: .init())
        let group = MultiThreadedEventLoopGroup.singleton
        let accepted = group.next().makePromise(of: DeferredHTTP1Channel.Connection.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                deferred.setup(channel: channel, logger: Logger(label: "test")).map { accepted.succeed($0) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await RawHTTP.connect(port: try #require(server.localAddress?.port))
        let connection = try await accepted.futureResult.get()
        let task = Task { await deferred.handle(value: connection, logger: Logger(label: "test")) }
        task.cancel()
        await task.value
        // The server closed the connection: the client reads its end.
        try await client.executeThenClose { inbound, _ in
            for try await _ in inbound {}
        }
        #expect(try await connection.hummingbird.get() == nil)
        try await server.close()
    }

    /// Sends `requests`, closes the client's side, and reads until the server closes the connection.
    private func answersAfterHalfClose(port: Int, _ requests: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            if !requests.isEmpty { try await outbound.write(ByteBuffer(string: requests)) }
            outbound.finish()
            var received = ""
            for try await chunk in inbound { received += String(buffer: chunk) }
            return received
        }
    }

    @Test(arguments: [true, false])
    func aClientThatClosesItsSideGetsItsAnswersThenTheClose(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            #expect(try await client.get("/v1/users/dc/counts").status == .ok)  // cached: the fast path could answer
            for requests in [Self.countsRequest, Self.countsRequest + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"] {
                let received = try await answersAfterHalfClose(port: port, requests)
                let answers = received.components(separatedBy: "HTTP/1.1 200 OK").count - 1
                #expect(answers == requests.components(separatedBy: "GET ").count - 1, "\(received)")
            }
            #expect(try await answersAfterHalfClose(port: port, "").isEmpty)
        }
        await harness.shutdown()
    }

    @Test(arguments: [true, false])
    func anUnparsableRequestOnANewConnectionIsAnsweredBadRequest(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let answers = try await RawHTTP.exchange(
                port: try #require(client.port), "NOT AN HTTP REQUEST\r\n\r\n", deadline: .seconds(20))
            #expect(answers.map(\.status) == [400])
        }
        await harness.shutdown()
    }
}
