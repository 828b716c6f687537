import Synchronization

/// A value shared between a test and the closures it passes around.
public final class LockedBox<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    public init(_ value: Value) { storage = Mutex(value) }
    public var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    /// Changes the value in place, atomically.
    public func withLock<Result: Sendable>(_ body: (inout sending Value) -> Result) -> Result {
        storage.withLock { body(&$0) }
    }
}
