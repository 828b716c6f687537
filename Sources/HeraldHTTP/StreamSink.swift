import HeraldCore
import Synchronization

/// What a stream's writer loop should do next.
enum StreamSignal: Sendable {
    /// Live events, in seq order (may overlap what was already sent; the writer skips those).
    case events([UserEvent])
    /// The bounded buffer overflowed: live events were dropped, read from the durable log instead.
    case lagged
    /// Time to send a heartbeat comment.
    case heartbeat
    /// The stream must end.
    case closed(StreamCloseReason)
}

/// Why a stream ends.
enum StreamCloseReason: Sendable {
    case shutdown, tokenExpired, cancelled
}

/// The mailbox of one open stream: the hub offers live events, the writer loop takes them.
///
/// The buffer is bounded: when a slow reader lets it fill, the sink drops the buffered events
/// and flags the stream as lagged, so memory stays bounded and the writer catches up from the
/// durable log at its own pace.
final class StreamSink: Sendable {
    private struct State {
        var buffer: [UserEvent] = []
        var lagged = false
        var heartbeatDue = false
        var closed: StreamCloseReason?
        var waiter: CheckedContinuation<StreamSignal, Never>?
    }

    let user: String
    let capacity: Int
    /// Interval of `: ping` comments.
    let heartbeatMilliseconds: Int64
    /// When the stream's credentials expire (nil: never).
    let expiresAt: Timestamp?
    private let state = Mutex(State())
    private let lastHeartbeat: Atomic<Int64>

    init(user: String, capacity: Int, heartbeatMilliseconds: Int64 = 15_000, expiresAt: Timestamp? = nil) {
        self.user = user
        self.capacity = capacity
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.expiresAt = expiresAt
        self.lastHeartbeat = Atomic(Timestamp.now().milliseconds)
    }

    /// Called by the hub's ticker: closes an expired stream, or asks for a heartbeat when one is due.
    func tick(now: Timestamp) {
        if let expiresAt, now >= expiresAt {
            close(.tokenExpired)
        } else if now.milliseconds - lastHeartbeat.load(ordering: .relaxed) >= heartbeatMilliseconds {
            lastHeartbeat.store(now.milliseconds, ordering: .relaxed)
            heartbeat()
        }
    }

    /// Called by the hub for each live event of the user.
    func offer(_ event: UserEvent) {
        resume { state in
            guard state.closed == nil else { return }
            if state.buffer.count >= capacity {
                state.buffer.removeAll(keepingCapacity: false)
                state.lagged = true
            } else if !state.lagged {
                state.buffer.append(event)
            }
        }
    }

    func heartbeat() { resume { $0.heartbeatDue = true } }

    func close(_ reason: StreamCloseReason) {
        resume { state in
            if state.closed == nil { state.closed = reason }
        }
    }

    /// Waits for the next thing to do. Cancellation closes the sink.
    func next() async -> StreamSignal {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: StreamSignal? = state.withLock { state in
                    if let signal = Self.take(&state) { return signal }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            close(.cancelled)
        }
    }

    private func resume(_ mutate: (inout State) -> Void) {
        let (waiter, signal): (CheckedContinuation<StreamSignal, Never>?, StreamSignal?) = state.withLock { state in
            mutate(&state)
            guard let waiter = state.waiter, let signal = Self.take(&state) else { return (nil, nil) }
            state.waiter = nil
            return (waiter, signal)
        }
        if let waiter, let signal { waiter.resume(returning: signal) }
    }

    private static func take(_ state: inout State) -> StreamSignal? {
        if let reason = state.closed { return .closed(reason) }
        if state.lagged {
            state.lagged = false
            return .lagged
        }
        if !state.buffer.isEmpty {
            defer { state.buffer = [] }
            return .events(state.buffer)
        }
        if state.heartbeatDue {
            state.heartbeatDue = false
            return .heartbeat
        }
        return nil
    }
}
