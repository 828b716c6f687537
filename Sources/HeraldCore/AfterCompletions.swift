import Synchronization

/// Work held back until a batch of completions has run, then done on the same thread.
///
/// The group commit's writer runs a transaction's completions inside ``collect(_:)``. Each create
/// or change hands its counts-cache apply on from its completion; in such a scope the counts cache
/// queues its drain here instead of waking its memcached worker, so the applies of the whole
/// transaction become one job, run right after on the writer. That saves a thread crossing and a
/// wake-up per transaction, and the writer may block: it is neither an event loop nor a thread of
/// Swift's concurrency pool.
public final class AfterCompletions: Sendable {
    /// The scope the current thread is collecting in, if any.
    @TaskLocal public static var current: AfterCompletions?

    private let work = Mutex<[@Sendable () -> Void]>([])

    private init() {}

    /// Runs `body` with a scope, then the work added to it, in order, on this thread.
    public static func collect(_ body: () -> Void) {
        let scope = AfterCompletions()
        $current.withValue(scope) { body() }
        let work = scope.work.withLock { work in
            defer { work.removeAll() }
            return work
        }
        for item in work { item() }
    }

    /// Adds work for after the completions (it runs outside the scope).
    public func add(_ item: @escaping @Sendable () -> Void) {
        work.withLock { $0.append(item) }
    }
}
