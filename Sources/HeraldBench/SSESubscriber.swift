import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Shared by all subscribers of a run: deliveries and their latencies.
final class DeliveryLog: Sendable {
    let latencies = LatencyRecorder()
    let run: String
    let eventName: String?
    let connected = NIOLockedCounter()
    let dropped = NIOLockedCounter()

    init(run: String, eventName: String?) {
        self.run = run
        self.eventName = eventName
    }
}

/// A counter safe to bump from any event loop.
final class NIOLockedCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func add(_ amount: Int = 1) { box.withLockedValue { $0 += amount } }
    var value: Int { box.withLockedValue { $0 } }
}

/// Opens one SSE stream and records, for each event carrying a `bt:<run>:<ts>:<seq>` token, the
/// time from `ts` (the publish's scheduled time) to its arrival.
enum SSESubscriber {
    static func open(
        host: String, port: Int, path: String, headers: [(String, String)], log: DeliveryLog,
        group: any EventLoopGroup
    ) async throws -> any Channel {
        let channel = try await ClientConnector.connect(host: host, port: port, group: group) {
            SSEHandler(log: log)
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        return channel
    }
}

/// Parses the SSE byte stream line by line; cheap enough for 10k+ streams on one loop.
final class SSEHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let log: DeliveryLog
    private var carry: [UInt8] = []
    private var event: [UInt8] = []
    private let wanted: [UInt8]?
    private let marker: [UInt8]

    init(log: DeliveryLog) {
        self.log = log
        self.wanted = log.eventName.map { Array($0.utf8) }
        self.marker = Array("bt:\(log.run):".utf8)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status.code == 200 { log.connected.add() } else { context.close(promise: nil) }
        case .body(let buffer):
            let now = BenchClock.now()
            carry.append(contentsOf: buffer.readableBytesView)
            var start = 0
            while let newline = carry[start...].firstIndex(of: UInt8(ascii: "\n")) {
                handle(line: carry[start..<newline], receivedAt: now)
                start = newline + 1
            }
            carry.removeFirst(start)
        case .end:
            context.close(promise: nil)
        }
    }

    private func handle(line: ArraySlice<UInt8>, receivedAt now: UInt64) {
        if line.isEmpty {
            event = []
        } else if line.starts(with: "event:".utf8) {
            event = Array(line.dropFirst(6).drop(while: { $0 == UInt8(ascii: " ") }))
        } else if line.starts(with: "data:".utf8) {
            if let wanted, event != wanted { return }
            guard let sent = Self.timestamp(in: line, marker: marker) else { return }
            log.latencies.record(nanoseconds: now > sent ? now - sent : 0)
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
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
