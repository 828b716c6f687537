public import Synchronization

/// Items waiting for one drain at a time, which takes them in batches: the queue under the group
/// commit and under the counts-cache jobs. The owner starts a drain (on a thread of its own) when
/// ``enqueue(_:)`` says none is scheduled, and the drain runs until the queue is empty.
///
/// Inlinable so that its users in other modules get it specialized for their item type rather
/// than going through generic metadata on every batch.
public final class BatchQueue<Item: Sendable>: Sendable {
    @usableFromInline
    struct State {
        @usableFromInline var items: [Item] = []
        /// True while a drain is scheduled or running; the queue is empty whenever this is false.
        @usableFromInline var draining = false

        @usableFromInline init() {}
    }

    @usableFromInline let state: Mutex<State>
    @usableFromInline let maximumBatch: Int

    /// - Parameter maximumBatch: the most items one batch takes.
    @inlinable
    public init(maximumBatch: Int) {
        precondition(maximumBatch >= 1, "maximumBatch must be at least 1")
        state = Mutex(State())
        self.maximumBatch = maximumBatch
    }

    /// Adds `item`; true when no drain was scheduled or running, so the caller must start one.
    @inlinable
    public func enqueue(_ item: Item) -> Bool {
        state.withLock { state in
            state.items.append(item)
            if state.draining { return false }
            state.draining = true
            return true
        }
    }

    /// How many items wait (none of them taken by a drain yet).
    @inlinable
    public var count: Int {
        state.withLock { $0.items.count }
    }

    /// A drain's first batch only, handed to `body`, for an owner that starts the drain on a
    /// thread it should not hold long: true when items are left, and then the drain is still
    /// scheduled and the caller must go on with it (``drain(_:)`` on a thread of its own).
    @inlinable
    public func drainOneBatch(_ body: ([Item]) -> Void) -> Bool {
        let batch = takeBatch()
        guard !batch.isEmpty else { return false }
        body(batch)
        return state.withLock { state in
            if state.items.isEmpty {
                state.draining = false
                return false
            }
            return true
        }
    }

    /// The drain: hands batches to `body`, in order, until the queue is empty. Each batch is
    /// `body`'s to keep: the drain holds no reference to it after the call.
    @inlinable
    public func drain(_ body: (consuming [Item]) -> Void) {
        while true {
            let batch = takeBatch()
            guard !batch.isEmpty else { return }
            body(consume batch)
        }
    }

    /// The next batch, up to `maximumBatch` items; empty when none wait, and then the queue is
    /// idle (the drain that asked has ended).
    @inlinable
    func takeBatch() -> [Item] {
        state.withLock { state in
            let batch = Array(state.items.prefix(maximumBatch))
            state.items.removeFirst(batch.count)
            if batch.isEmpty { state.draining = false }
            return batch
        }
    }
}
