public import HeraldCore
import NIOCore
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

    /// Time between two looks of the ticker at every stream (ms).
    static let tickMilliseconds: Int64 = 250

    /// The ticker that sends every stream's heartbeats and closes streams whose token expired,
    /// until the task is cancelled.
    public func runTicker() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Self.tickMilliseconds))
            tickAll()
        }
    }

    /// One tick over every open stream: each event loop gets one job with the chores of all its
    /// streams (pings, ends), not one job per stream.
    func tickAll() {
        let sinks = state.withLock { $0.sinks.values.flatMap(\.values) }
        let now = Timestamp.now()
        var jobs: [ObjectIdentifier: (loop: any EventLoop, chores: [(StreamSink, StreamSink.Chore)])] = [:]
        for sink in sinks {
            guard let chore = sink.chore(now: now) else { continue }
            jobs[ObjectIdentifier(sink.eventLoop), default: (sink.eventLoop, [])].chores.append((sink, chore))
        }
        for job in jobs.values {
            let chores = job.chores
            job.loop.execute {
                for (sink, chore) in chores { sink.run(chore) }
            }
        }
    }
}
