import Synchronization

/// The id of the last event a follower received, shared between its stream callbacks.
final class LastEventPosition: Sendable {
    private let storage: Mutex<String?>

    init(_ initial: String?) { storage = Mutex(initial) }

    var value: String? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
