import NIOCore

/// Completes the pending requests in order as their responses end.
final class ResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let pending: PendingResponses
    /// Received bytes not yet part of a complete response.
    private var received: [UInt8] = []

    init(pending: PendingResponses) { self.pending = pending }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        do {
            var start = 0
            while start < received.count, let entry = pending.first() {
                guard let frame = try ResponseFramer.frame(received, from: start, bodiless: entry.bodiless) else {
                    break
                }
                start += frame.length
                pending.pop()?.promise.succeed(frame.status)
            }
            if start > 0 { received.removeFirst(start) }
            if !received.isEmpty && pending.first() == nil { throw BenchError("bytes after the last response") }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for entry in pending.drain() { entry.promise.fail(BenchError("connection closed")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        for entry in pending.drain() { entry.promise.fail(error) }
        context.close(promise: nil)
    }
}
