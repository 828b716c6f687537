import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection that sends requests and answers each with its status code.
///
/// Requests are written as bytes and responses framed by ``ResponseFramer``, without NIO's HTTP
/// codec: the generator's CPU per request is CPU the measured server does not get.
final class HTTPConnection: Sendable {
    let channel: any Channel
    private let pending: PendingResponses
    /// `Host` and the fixed headers, each line ending in CRLF.
    private let fixedHeaders: String

    private init(channel: any Channel, pending: PendingResponses, fixedHeaders: String) {
        self.channel = channel
        self.pending = pending
        self.fixedHeaders = fixedHeaders
    }

    /// Connects; `headers` go with every request.
    static func connect(
        host: String, port: Int, headers: [(String, String)], group: any EventLoopGroup
    ) async throws -> HTTPConnection {
        let fixedHeaders = try RequestText.headerLines(host: host, headers: headers)
        let pending = PendingResponses()
        let channel = try await ClientConnector.connect(host: host, port: port, group: group) {
            ResponseHandler(pending: pending)
        }
        return HTTPConnection(channel: channel, pending: pending, fixedHeaders: fixedHeaders)
    }

    /// Sends one request, from the connection's event loop; the future completes with the response
    /// status when its body has ended.
    func send(method: HTTPMethod, path: String, body: String?) -> EventLoopFuture<UInt> {
        channel.eventLoop.preconditionInEventLoop()
        guard RequestText.isValidPath(path) else {
            return channel.eventLoop.makeFailedFuture(BenchError("invalid request path \(path)"))
        }
        let bodyLength = body?.utf8.count ?? 0
        var request = channel.allocator.buffer(capacity: 64 + path.utf8.count + fixedHeaders.utf8.count + bodyLength)
        request.writeString(method.rawValue)
        request.writeStaticString(" ")
        request.writeString(path)
        request.writeStaticString(" HTTP/1.1\r\n")
        request.writeString(fixedHeaders)
        // A POST without a body still says so, as browsers send it.
        if body != nil || method == .POST || method == .PUT || method == .PATCH {
            request.writeStaticString("Content-Length: ")
            request.writeString(String(bodyLength))
            request.writeStaticString("\r\n")
        }
        request.writeStaticString("\r\n")
        if let body { request.writeString(body) }
        let promise = channel.eventLoop.makePromise(of: UInt.self)
        pending.push(PendingResponses.Entry(promise: promise, bodiless: method == .HEAD))
        channel.writeAndFlush(request, promise: nil)
        return promise.futureResult
    }

    func close() async {
        try? await channel.close()
    }
}
