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
