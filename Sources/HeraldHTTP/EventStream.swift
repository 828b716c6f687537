import HeraldCore
import Hummingbird
import Logging
import NIOCore

/// One open SSE stream: writes the start (snapshot, replay or reset), then live events, catching
/// up from the durable log whenever the live buffer lagged, until closed.
struct EventStream: Sendable {
    let user: String
    /// `Last-Event-ID` as sent (header or query); nil for a fresh stream.
    let lastEventID: String?
    let service: HeraldService
    let hub: StreamHub
    let metrics: HeraldMetrics
    private let sink: StreamSink

    static let pageSize = 256

    init(
        user: String, lastEventID: String?, service: HeraldService, hub: StreamHub, metrics: HeraldMetrics,
        heartbeat: Duration, expiresAt: Timestamp?, bufferCapacity: Int
    ) {
        self.user = user
        self.lastEventID = lastEventID
        self.service = service
        self.hub = hub
        self.metrics = metrics
        sink = StreamSink(
            user: user, capacity: bufferCapacity, heartbeatMilliseconds: Int64(heartbeat.components.seconds * 1000),
            expiresAt: expiresAt)
    }

    /// Writes the stream until it is closed: by shutdown, token expiry, ``clientClosed()`` or a failed write.
    func run(writer: inout any ResponseBodyWriter) async throws {
        guard hub.register(sink) else { return }
        metrics.streamsOpen.increment()
        defer {
            hub.unregister(sink)
            metrics.streamsOpen.decrement()
        }
        // Heartbeats and token expiry come from the hub's one ticker, not a task per stream.
        try await stream(sink, writer: &writer)
    }

    /// The client went away (its side of the connection closed): end the stream.
    func clientClosed() { sink.close(.cancelled) }

    private func stream(_ sink: StreamSink, writer: inout any ResponseBodyWriter) async throws {
        var buffer = ByteBuffer()
        buffer.writeString(SSEFormat.preamble)
        var last = try await start(&buffer)
        last = try await catchUp(after: last, into: &buffer, writer: &writer)
        try await flush(&buffer, writer: &writer)
        while true {
            switch await sink.next() {
            case .events(let events):
                for event in events where event.seq > last {
                    if event.seq > last + 1 {
                        last = try await catchUp(after: last, into: &buffer, writer: &writer)
                        if event.seq <= last { continue }
                    }
                    SSEFormat.append(event, to: &buffer)
                    last = event.seq
                }
                metrics.eventsDelivered.increment(by: Int64(events.count))
            case .lagged:
                metrics.streamCatchUps.increment()
                last = try await catchUp(after: last, into: &buffer, writer: &writer)
            case .heartbeat:
                buffer.writeString(SSEFormat.ping)
            case .closed:
                try await flush(&buffer, writer: &writer)
                try await writer.finish(nil)
                return
            }
            try await flush(&buffer, writer: &writer)
        }
    }

    /// Writes the opening event and returns the seq the stream stands at.
    private func start(_ buffer: inout ByteBuffer) async throws -> Int64 {
        let (service, user) = (self.service, self.user)
        let counts = try await shallow { try await service.storedCounts(user: user) }
        guard let lastEventID else {
            SSEFormat.append(id: counts.seq, name: .counts, data: EventPayload.snapshot(counts), to: &buffer)
            return counts.seq
        }
        if let resumeAt = Int64(lastEventID.trimmingCharacters(in: .whitespaces)), resumeAt >= 0,
            resumeAt <= counts.seq
        {
            if resumeAt == counts.seq { return resumeAt }
            let first = try await shallow { try await service.events(user: user, after: resumeAt, limit: 1) }
            if first.first?.seq == resumeAt + 1 { return resumeAt }
        }
        return reset(counts, into: &buffer)
    }

    private func reset(_ counts: Counts, into buffer: inout ByteBuffer) -> Int64 {
        metrics.streamResets.increment()
        SSEFormat.append(id: counts.seq, name: .reset, data: EventPayload.snapshot(counts), to: &buffer)
        return counts.seq
    }

    /// Sends every retained event after `last` from the log; a gap (pruned history) becomes a reset.
    private func catchUp(
        after last: Int64, into buffer: inout ByteBuffer, writer: inout any ResponseBodyWriter
    ) async throws -> Int64 {
        let (service, user) = (self.service, self.user)
        var last = last
        while true {
            let after = last
            let page = try await shallow { try await service.events(user: user, after: after, limit: Self.pageSize) }
            guard let first = page.first else { return last }
            guard first.seq == last + 1 else {
                return reset(try await shallow { try await service.storedCounts(user: user) }, into: &buffer)
            }
            for event in page { SSEFormat.append(event, to: &buffer) }
            last = page[page.count - 1].seq
            metrics.eventsDelivered.increment(by: Int64(page.count))
            try await flush(&buffer, writer: &writer)
            if page.count < Self.pageSize { return last }
        }
    }

    /// Runs a store read in a short-lived task of its own. A task keeps every allocator slab its
    /// deepest call ever needed until it ends, so the deep store-read frames would otherwise stay
    /// allocated for as long as the stream is open (measured: ~4 KB per idle stream).
    private func shallow<T: Sendable>(_ read: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await read() }.value
    }

    private func flush(_ buffer: inout ByteBuffer, writer: inout any ResponseBodyWriter) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await writer.write(buffer)
        buffer.clear()
    }
}
