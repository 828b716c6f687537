/// Whether the cache is in use.
public enum CacheStatus: String, Sendable, Hashable {
    case up, down
}

/// A cache of users' counts in front of the store.
///
/// Implementations must never serve a count that misses a committed change once the writer of
/// that change has returned: `apply` runs after every commit and before the response.
public protocol CountsCache: Sendable {
    /// The user's counts from the cache; on a miss, `load` reads the store and the cache fills
    /// itself when it can prove the loaded value is not stale. When the cache is down, `load` answers.
    func counts(user: String, load: @Sendable () async throws -> Counts) async throws -> Counts
    /// Applies committed deltas.
    func apply(_ deltas: [CountsDelta]) async
    /// Whether the cache is currently used.
    var status: CacheStatus { get }
}
