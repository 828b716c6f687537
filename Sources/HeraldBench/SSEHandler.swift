import NIOCore

/// Reads the response head, then parses the SSE byte stream line by line; cheap enough for 10k+
/// streams on one loop. Like ``HTTPConnection`` it reads bytes, not NIO's HTTP parts: at 5,000
/// deliveries a second the generator's CPU per delivery is taken from the server it measures.
final class SSEHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private enum Body {
        /// Still reading the response head: the bytes so far.
        case head([UInt8])
        case chunked(ChunkedDecoder)
        /// Neither chunked nor of a given length: the stream ends with the connection.
        case untilClose
    }

    private var body = Body.head([])
    private let log: DeliveryLog
    private var carry: [UInt8] = []
    private var event: [UInt8] = []
    /// The event being read has a `data` line.
    private var eventHasData = false
    private let wanted: [UInt8]?
    private let marker: [UInt8]
    private let countdown: EventCountdown?

    /// - Parameter countdown: counts the complete events (those with data) read, if given.
    init(log: DeliveryLog, countdown: EventCountdown? = nil) {
        self.log = log
        self.countdown = countdown
        self.wanted = log.eventName.map { Array($0.utf8) }
        self.marker = Array("bt:\(log.run):".utf8)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        let now = BenchClock.now()
        do {
            switch body {
            case .head(var received):
                received += bytes
                guard let head = try ResponseFramer.parseHead(received, from: 0) else {
                    body = .head(received)
                    return
                }
                guard head.status == 200, head.contentLength == nil else {
                    context.close(promise: nil)
                    return
                }
                log.connected.add()
                countdown?.opened()
                body = head.chunked ? .chunked(ChunkedDecoder()) : .untilClose
                try read(received[head.end...], receivedAt: now, context: context)
            case .chunked, .untilClose:
                try read(bytes[...], receivedAt: now, context: context)
            }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    /// Body bytes: the payload goes to the SSE lines.
    private func read(
        _ bytes: ArraySlice<UInt8>, receivedAt now: UInt64, context: ChannelHandlerContext
    )
        throws(BenchError)
    {
        switch body {
        case .chunked(var decoder):
            body = .untilClose  // not copied while fed
            try decoder.feed(bytes) { lines($0, receivedAt: now) }
            body = .chunked(decoder)
            if decoder.isFinished { context.close(promise: nil) }
        case .untilClose:
            lines(bytes, receivedAt: now)
        case .head:
            preconditionFailure("body bytes before the head")
        }
    }

    private func lines(_ payload: ArraySlice<UInt8>, receivedAt now: UInt64) {
        carry.append(contentsOf: payload)
        var start = 0
        while let newline = carry[start...].firstIndex(of: UInt8(ascii: "\n")) {
            handle(line: carry[start..<newline], receivedAt: now)
            start = newline + 1
        }
        carry.removeFirst(start)
    }

    private func handle(line: ArraySlice<UInt8>, receivedAt now: UInt64) {
        if line.isEmpty {
            if eventHasData { countdown?.eventRead() }
            event = []
            eventHasData = false
        } else if line.starts(with: "event:".utf8) {
            event = Array(line.dropFirst(6).drop(while: { $0 == UInt8(ascii: " ") }))
        } else if line.starts(with: "data:".utf8) {
            eventHasData = true
            if let wanted, event != wanted { return }
            guard let sent = Self.timestamp(in: line, marker: marker) else { return }
            log.latencies.record(nanoseconds: now > sent ? now - sent : 0)
            log.trace?.record(sent: sent, received: now)
        }
    }

    /// Finds `bt:<run>:<ts>` in the line and returns ts.
    static func timestamp(in line: ArraySlice<UInt8>, marker: [UInt8]) -> UInt64? {
        guard line.count > marker.count else { return nil }
        var index = line.startIndex
        while index <= line.endIndex - marker.count {
            if line[index] == marker[0], line[index..<(index + marker.count)].elementsEqual(marker) {
                var value: UInt64 = 0
                var cursor = index + marker.count
                while cursor < line.endIndex, (48...57).contains(line[cursor]) {
                    value = value &* 10 &+ UInt64(line[cursor] - 48)
                    cursor += 1
                }
                return value
            }
            index += 1
        }
        return nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.dropped.add()
        countdown?.ended()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
