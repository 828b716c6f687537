public import HeraldCore
import Synchronization

/// Routes each live event to the open streams of its user.
public final class StreamHub: Sendable {
    private struct State {
        var sinks: [String: [ObjectIdentifier: StreamSink]] = [:]
        var closed = false
        var count = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Number of open streams.
    public var openStreams: Int { state.withLock { $0.count } }

    /// Registers a stream; returns false when the hub is shutting down.
    func register(_ sink: StreamSink) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.sinks[sink.user, default: [:]][ObjectIdentifier(sink)] = sink
            state.count += 1
            return true
        }
    }

    func unregister(_ sink: StreamSink) {
        state.withLock { state in
            guard state.sinks[sink.user]?.removeValue(forKey: ObjectIdentifier(sink)) != nil else { return }
            state.count -= 1
            if state.sinks[sink.user]?.isEmpty == true { state.sinks[sink.user] = nil }
        }
    }

    /// Hands an event to every stream of its user.
    public func dispatch(_ event: UserEvent) {
        let sinks = state.withLock { $0.sinks[event.user].map { Array($0.values) } } ?? []
        for sink in sinks { sink.offer(event) }
    }

    /// Ends every open stream and refuses new ones (graceful shutdown).
    public func closeAll() {
        let sinks = state.withLock { state in
            state.closed = true
            return state.sinks.values.flatMap(\.values)
        }
        for sink in sinks { sink.close() }
    }

    /// Hands every event `broker` publishes from now on straight to the streams of its user, on
    /// the publisher's thread (each stream then writes it on its event loop); cancel the returned
    /// listening to stop.
    public func listen(to broker: any EventBroker) -> BrokerListening {
        broker.listen { [self] event in dispatch(event) }
    }

    /// The ticker that sends every stream's heartbeats and closes streams whose token expired,
    /// until the task is cancelled.
    public func runTicker(every tick: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            tickAll()
        }
    }

    /// One tick over every open stream.
    func tickAll() {
        let sinks = state.withLock { $0.sinks.values.flatMap(\.values) }
        let now = Timestamp.now()
        for sink in sinks { sink.tick(now: now) }
    }
}
