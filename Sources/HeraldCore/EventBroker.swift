/// Carries committed events from writers to the subscriber loop that feeds SSE streams.
public protocol EventBroker: Sendable {
    /// Publishes committed events, in commit order. Hands them on without blocking: it is called
    /// on the store's thread right after a commit.
    func publish(_ events: [UserEvent])
    /// A subscription receiving every event published after this call.
    func subscribe() -> BrokerSubscription
    /// Whether the broker is usable.
    var isUp: Bool { get }
}

/// The events a broker delivers to one subscriber, in publish order.
public struct BrokerSubscription: AsyncSequence, Sendable {
    public typealias Element = UserEvent
    private let stream: AsyncStream<UserEvent>

    /// Wraps a stream fed by a broker.
    public init(_ stream: AsyncStream<UserEvent>) { self.stream = stream }

    public func makeAsyncIterator() -> AsyncStream<UserEvent>.AsyncIterator { stream.makeAsyncIterator() }
}
