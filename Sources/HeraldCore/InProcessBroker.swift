import Synchronization

/// A broker inside one process: publish hands events straight to every subscriber.
public final class InProcessBroker: EventBroker {
    private let subscribers = Mutex<[Int: AsyncStream<UserEvent>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    public var isUp: Bool { true }

    public func publish(_ events: [UserEvent]) {
        subscribers.withLock { subscribers in
            for continuation in subscribers.values {
                for event in events { continuation.yield(event) }
            }
        }
    }

    public func subscribe() -> BrokerSubscription {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: UserEvent.self, bufferingPolicy: .unbounded)
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return BrokerSubscription(stream)
    }

    /// Ends every subscription.
    public func shutdown() {
        let all = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in all { continuation.finish() }
    }
}
