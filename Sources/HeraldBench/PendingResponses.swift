import NIOConcurrencyHelpers
import NIOCore

/// The requests sent on one connection and not yet answered, in order.
final class PendingResponses: Sendable {
    struct Entry {
        var promise: EventLoopPromise<UInt>
        /// A HEAD request, whose response has no body.
        var bodiless: Bool
    }

    private let queue = NIOLockedValueBox(CircularBuffer<Entry>())
    func push(_ entry: Entry) { queue.withLockedValue { $0.append(entry) } }
    func first() -> Entry? { queue.withLockedValue { $0.first } }
    func pop() -> Entry? { queue.withLockedValue { $0.popFirst() } }
    func drain() -> [Entry] {
        queue.withLockedValue { queue in
            defer { queue.removeAll() }
            return Array(queue)
        }
    }
}
