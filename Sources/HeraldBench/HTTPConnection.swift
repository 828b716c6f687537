import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection that sends requests and answers each with its status code.
final class HTTPConnection: Sendable {
    let channel: any Channel
    private let pending: PendingResponses

    private init(channel: any Channel, pending: PendingResponses) {
        self.channel = channel
        self.pending = pending
    }

    static func connect(host: String, port: Int, group: any EventLoopGroup) async throws -> HTTPConnection {
        let pending = PendingResponses()
        let channel = try await ClientConnector.connect(host: host, port: port, group: group) {
            ResponseHandler(pending: pending)
        }
        return HTTPConnection(channel: channel, pending: pending)
    }

    /// Sends one request; the future completes with the response status when its body has ended.
    func send(
        method: HTTPMethod, host: String, path: String, headers: [(String, String)], body: ByteBuffer?
    )
        -> EventLoopFuture<UInt>
    {
        channel.eventLoop.flatSubmit {
            self.sendOnEventLoop(method: method, host: host, path: path, headers: headers, body: body)
        }
    }

    /// ``send(method:host:path:headers:body:)`` from the connection's own event loop.
    func sendOnEventLoop(
        method: HTTPMethod, host: String, path: String, headers: [(String, String)], body: ByteBuffer?
    )
        -> EventLoopFuture<UInt>
    {
        channel.eventLoop.preconditionInEventLoop()
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body {
            head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        } else if method == .POST || method == .PUT || method == .PATCH {
            // As browsers send a POST without a body; NIO's encoder would otherwise make it chunked.
            head.headers.add(name: "Content-Length", value: "0")
        }
        let promise = channel.eventLoop.makePromise(of: UInt.self)
        pending.push(promise)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return promise.futureResult
    }

    func close() async {
        try? await channel.close()
    }
}

/// Completes the pending requests in order as their responses end.
final class ResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let pending: PendingResponses
    private var status: UInt = 0

    init(pending: PendingResponses) { self.pending = pending }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = head.status.code
        case .body: break
        case .end:
            pending.pop()?.succeed(status)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for promise in pending.drain() { promise.fail(BenchError("connection closed")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The promises of requests sent on one connection, answered in order.
final class PendingResponses: Sendable {
    private let queue = NIOLockedValueBox<[EventLoopPromise<UInt>]>([])
    func push(_ promise: EventLoopPromise<UInt>) { queue.withLockedValue { $0.append(promise) } }
    func pop() -> EventLoopPromise<UInt>? {
        queue.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() }
    }
    func drain() -> [EventLoopPromise<UInt>] {
        queue.withLockedValue { queue in
            defer { queue = [] }
            return queue
        }
    }
}
