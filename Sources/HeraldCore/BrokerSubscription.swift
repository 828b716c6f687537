/// The events a broker delivers to one subscriber, in publish order.
public struct BrokerSubscription: AsyncSequence, Sendable {
    public typealias Element = UserEvent
    private let stream: AsyncStream<UserEvent>

    /// Wraps a stream fed by a broker.
    public init(_ stream: AsyncStream<UserEvent>) { self.stream = stream }

    public func makeAsyncIterator() -> AsyncStream<UserEvent>.AsyncIterator { stream.makeAsyncIterator() }
}
