/// A listener registered with ``EventBroker/listen(_:)``; ``cancel()`` removes it.
public struct BrokerListening: Sendable {
    private let onCancel: @Sendable () -> Void

    /// - Parameter onCancel: removes the listener from its broker.
    public init(onCancel: @escaping @Sendable () -> Void) { self.onCancel = onCancel }

    /// Stops the calls; a publish already under way may still make one.
    public func cancel() { onCancel() }
}
