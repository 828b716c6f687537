/// A cache of users' counts in front of the store.
///
/// Implementations must never serve a count that misses a committed change once the writer of
/// that change has returned: `apply` runs after every commit and before the response.
public protocol CountsCache: Sendable {
    /// The user's counts from the cache; on a miss, `load` reads the store and the cache fills
    /// itself when it can prove the loaded value is not stale. When the cache is down, `load` answers.
    func counts(user: String, load: @Sendable () async throws -> Counts) async throws -> Counts
    /// The user's counts if the cache holds a proven-fresh value, else nil, without reading the
    /// store or changing the cache; `completion` runs on a thread of the cache's own and must only
    /// hand the answer on. For callers on an event loop, which must neither block nor wait on a task.
    func cachedCounts(user: String, completion: @escaping @Sendable (Counts?) -> Void)
    /// Applies committed deltas; `completion` runs once they are applied (or the cache marked
    /// down), on a thread of the cache's own or the caller's, and must only hand on.
    func apply(_ deltas: [CountsDelta], completion: @escaping @Sendable () -> Void)
    /// Whether the cache is currently used.
    var status: CacheStatus { get }
}

extension CountsCache {
    /// Applies committed deltas.
    public func apply(_ deltas: [CountsDelta]) async {
        await withCheckedContinuation { continuation in apply(deltas) { continuation.resume() } }
    }
}
