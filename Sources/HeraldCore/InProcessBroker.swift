import Synchronization

/// A broker inside one process: publish hands events straight to every subscriber.
public final class InProcessBroker: EventBroker {
    private let subscribers = Mutex<[Int: AsyncStream<UserEvent>.Continuation]>([:])
    private let listeners = Mutex<[Int: @Sendable (UserEvent) -> Void]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    public var isUp: Bool { true }

    public func publish(_ events: [UserEvent]) {
        subscribers.withLock { subscribers in
            for continuation in subscribers.values {
                for event in events { continuation.yield(event) }
            }
        }
        let listeners = self.listeners.withLock { $0.isEmpty ? [] : Array($0.values) }
        for listener in listeners {
            for event in events { listener(event) }
        }
    }

    public func listen(_ listener: @escaping @Sendable (UserEvent) -> Void) -> BrokerListening {
        let id = nextID.add(1, ordering: .relaxed).newValue
        listeners.withLock { $0[id] = listener }
        return BrokerListening { [weak self] in _ = self?.listeners.withLock { $0.removeValue(forKey: id) } }
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

    /// Ends every subscription and removes every listener.
    public func shutdown() {
        listeners.withLock { $0.removeAll() }
        let all = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in all { continuation.finish() }
    }
}
