import Synchronization

/// How many connections to memcached have been lost so far, shared by every pool of one client
/// (``MemcachedConnectionPool``): they connect to the same servers, so a loss found on one pool's
/// connection means the other pool's are dead too. (The health probe uses the shared pool and the
/// counts cache the serial one; with a count each, a restart the probe had found still failed the
/// counts cache's first request after it, marking the cache down a second time.)
final class ConnectionLosses: Sendable {
    private let count = Atomic<UInt>(0)

    /// The losses so far.
    func load() -> UInt { count.load(ordering: .acquiring) }

    /// Counts one more.
    func add() { count.add(1, ordering: .releasing) }
}
