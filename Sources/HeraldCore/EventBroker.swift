/// Carries committed events from writers to the subscriber loop that feeds SSE streams.
public protocol EventBroker: Sendable {
    /// Publishes committed events, in commit order. Hands them on without blocking: it is called
    /// on the store's thread right after a commit.
    func publish(_ events: [UserEvent])
    /// A subscription receiving every event published after this call.
    func subscribe() -> BrokerSubscription
    /// Calls `listener` with every event published after this call until the returned listening
    /// is cancelled: on the publisher's thread, in each publisher's order, so it must only hand the
    /// event on. For the stream hub, which hands each event to an event loop and so needs no task
    /// (and no thread woken) in between.
    func listen(_ listener: @escaping @Sendable (UserEvent) -> Void) -> BrokerListening
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

/// A listener registered with ``EventBroker/listen(_:)``; ``cancel()`` removes it.
public struct BrokerListening: Sendable {
    private let onCancel: @Sendable () -> Void

    /// - Parameter onCancel: removes the listener from its broker.
    public init(onCancel: @escaping @Sendable () -> Void) { self.onCancel = onCancel }

    /// Stops the calls; a publish already under way may still make one.
    public func cancel() { onCancel() }
}
