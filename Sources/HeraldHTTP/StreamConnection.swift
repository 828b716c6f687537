import HeraldCore
import Logging
import NIOCore
import NIOHTTPTypes

#if canImport(Glibc)
import Glibc
#endif

/// One open SSE stream, living on its connection's event loop: writes the opening (snapshot,
/// replay or reset), then each live event as the hub hands it over, catching up from the durable
/// log whenever live events could not be written in order.
///
/// No task waits per stream: live events, heartbeats and the end arrive as event-loop jobs from
/// the ``StreamSink`` the hub holds, and store reads hand their results back as such jobs. While the
/// client reads too slowly for the socket to take more, live events wait in a bounded list; when
/// it overflows they are dropped and the stream reads them from the log once the socket drains.
final class StreamConnection {
    private enum Phase {
        /// The opening read is running.
        case opening
        /// A catch-up page read is running.
        case reading
        /// A catch-up needs another page once the socket drains.
        case readingWhenWritable
        /// Writing live events as they come.
        case live
        case ended
    }

    private static let logger = Logger(label: "herald.stream")
    private let opening: StreamOpening
    private let context: ChannelHandlerContext
    private var phase = Phase.opening
    /// The seq of the last event written.
    private var last: Int64 = 0
    /// Live events received while the stream could not write them yet.
    private var pending: [UserEvent] = []
    /// Live events were dropped: the log has them.
    private var lagged = false
    private var sink: StreamSink?
    /// Writes the body's chunks below the HTTP pipeline; nil: through it, as body parts.
    private let chunks: ChunkedBodyWriter?
    private var buffer: ByteBuffer

    init(opening: StreamOpening, context: ChannelHandlerContext, chunks: ChunkedBodyWriter?) {
        self.opening = opening
        self.context = context
        self.chunks = chunks
        buffer = Self.makeBuffer(context: context, chunked: chunks != nil)
    }

    /// 256 bytes: an idle stream keeps one.
    private static func makeBuffer(context: ChannelHandlerContext, chunked: Bool) -> ByteBuffer {
        let allocator = context.channel.allocator
        return chunked
            ? ChunkedBodyWriter.makeBuffer(allocator: allocator, capacity: 256) : allocator.buffer(capacity: 256)
    }

    private var writable: Bool { context.channel.isWritable }

    /// Starts the stream; its response head has just been written.
    func begin() {
        guard context.channel.isActive else {
            phase = .ended
            opening.claim.release()
            return
        }
        // A client gone without closing (a laptop shut, a phone off the network) acknowledges
        // nothing: the kernel ends the connection once what was sent, a ping at the latest, has
        // gone unacknowledged for four heartbeat intervals, rather than after ~15 minutes of
        // retransmissions (its place and file held all that time). A client that stops reading
        // for as long is dropped too, as nginx's send_timeout drops it; it resumes with
        // Last-Event-ID and misses nothing.
        #if canImport(Glibc)
        try? context.channel.syncOptions?.setOption(
            ChannelOptions.tcpOption(.init(rawValue: TCP_USER_TIMEOUT)), value: opening.unacknowledgedLimitMilliseconds)
        #endif
        let eventLoop = context.eventLoop
        let sink = StreamSink(
            user: opening.user, heartbeatMilliseconds: opening.heartbeatMilliseconds, principal: opening.principal,
            connection: NIOLoopBound(self, eventLoop: eventLoop), eventLoop: eventLoop)
        // Registered before the opening read, so no event committed after that read is missed.
        if let refusal = opening.hub.register(sink) {
            end(refusal)
            return
        }
        self.sink = sink
        opening.metrics.streamsOpen.increment()
        buffer.writeString(SSEFormat.preamble)
        let lastEventID = opening.lastEventID
        read(after: StreamReads.position(lastEventID: lastEventID)) { [self] result in
            opened(result.map { StreamReads.opening(lastEventID: lastEventID, read: $0) })
        }
    }

    /// Reads the user's counts and the events after `seq` on a store thread and hands them to
    /// `handle` on the event loop: one hop there and one back, no task.
    private func read(after seq: Int64?, then handle: @escaping (Result<StreamRead, HeraldError>) -> Void) {
        let loop = context.eventLoop
        let handler = NIOLoopBound(handle, eventLoop: loop)
        opening.service.streamRead(user: opening.user, after: seq, limit: StreamReads.pageSize) { result in
            loop.execute { handler.value(result) }
        }
    }

    /// The opening read from one snapshot: a fresh stream's counts and a reset are current as of
    /// that snapshot, and a resume's first page is the log after the client's position in it;
    /// every event committed later reaches the sink, registered before the read.
    private func opened(_ result: Result<StreamReads.Opening, HeraldError>) {
        guard phase == .opening else { return }
        switch result {
        case .success(.snapshot(let counts)):
            SSEFormat.append(id: counts.seq, name: .counts, data: EventPayload.snapshot(counts), to: &buffer)
            last = counts.seq
            goLive()
        case .success(.resume(let after, let events)):
            last = after
            writePage(events)
        case .success(.reset(let counts)):
            reset(counts)
            goLive()
        case .failure(let error):
            fail(error)
        }
    }

    /// Reads the next page of the log after `last`.
    private func readPage() {
        phase = .reading
        flush()
        let after = last
        read(after: after) { [self] result in pageRead(result.map { StreamReads.page(after: after, read: $0) }) }
    }

    private func pageRead(_ result: Result<StreamReads.Page, HeraldError>) {
        guard phase == .reading else { return }
        switch result {
        case .success(.events(let page)):
            writePage(page)
        case .success(.reset(let counts)):
            reset(counts)
            goLive()
        case .failure(let error):
            fail(error)
        }
    }

    /// Writes a page of the log; reads the next one when the page was full, else goes live.
    private func writePage(_ page: [UserEvent]) {
        guard let newest = page.last else { return goLive() }
        for event in page { SSEFormat.append(event, to: &buffer) }
        last = newest.seq
        opening.metrics.eventsDelivered.increment(by: Int64(page.count))
        guard page.count == StreamReads.pageSize else { return goLive() }
        if writable {
            readPage()
        } else {
            phase = .readingWhenWritable
            flush()
        }
    }

    private func reset(_ counts: Counts) {
        opening.metrics.streamResets.increment()
        SSEFormat.append(id: counts.seq, name: .reset, data: EventPayload.snapshot(counts), to: &buffer)
        last = counts.seq
    }

    /// Caught up with the log: writes what arrived meanwhile, or catches up again if it overflowed.
    private func goLive() {
        phase = .live
        if lagged {
            lagged = false
            pending = []
            opening.metrics.streamCatchUps.increment()
            return readPage()
        }
        let waiting = pending
        pending = []
        for event in waiting where !write(event) { return }
        flush()
    }

    /// A live event from the hub.
    func deliver(_ event: UserEvent) {
        switch phase {
        case .live where writable:
            if write(event) { flush() }
        case .ended:
            return
        default:
            if pending.count >= opening.bufferCapacity {
                pending = []
                lagged = true
            } else if !lagged {
                pending.append(event)
            }
        }
    }

    /// Appends a live event if it is the next one; on a gap reads the log instead (it has every
    /// committed event) and returns false.
    private func write(_ event: UserEvent) -> Bool {
        if event.seq <= last { return true }
        guard event.seq == last + 1 else {
            opening.metrics.streamGaps.increment()
            readPage()
            return false
        }
        SSEFormat.append(event, to: &buffer)
        last = event.seq
        opening.metrics.eventsDelivered.increment()
        return true
    }

    func heartbeat() {
        guard phase != .ended, writable else { return }
        buffer.writeString(SSEFormat.ping)
        flush()
    }

    /// The socket takes writes again.
    func writabilityChanged() {
        guard writable else { return }
        switch phase {
        case .live: goLive()
        case .readingWhenWritable: readPage()
        default: break
        }
    }

    /// Ends the stream, for `reason`: the last chunk, then the connection closes.
    func end(_ reason: StreamEnding) {
        guard phase != .ended else { return }
        finish(reason)
        flush()
        context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil)
        context.close(promise: nil)
    }

    /// The client closed the connection.
    func clientClosed() {
        guard phase != .ended else { return }
        finish(.client)
    }

    private func fail(_ error: any Error) {
        guard phase != .ended else { return }
        Self.logger.warning("stream failed", metadata: ["user": "\(opening.user)", "error": "\(error)"])
        finish(.failed)
        context.close(promise: nil)
    }

    private func finish(_ reason: StreamEnding) {
        opening.metrics.streamEnded(reason)
        phase = .ended
        pending = []
        if let sink {
            opening.hub.unregister(sink)
            opening.metrics.streamsOpen.decrement()
            self.sink = nil
        }
        opening.claim.release()
    }

    private func flush() {
        guard buffer.readableBytes > 0 else { return }
        // Swapped out before writing: the write can call back into this stream (the socket
        // turning writable again, or the connection closing), which then finds an empty buffer,
        // not these bytes to write again.
        let written = buffer
        buffer = Self.makeBuffer(context: context, chunked: chunks != nil)
        if let chunks {
            chunks.writeAndFlush(written)
        } else {
            context.writeAndFlush(NIOAny(HTTPResponsePart.body(written)), promise: nil)
        }
    }
}
