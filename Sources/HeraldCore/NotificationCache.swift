/// A cache of single notifications (their content and read/seen/archived state) in front of the store.
public protocol NotificationCache: Sendable {
    /// The notification from the cache; on a miss `load` reads the store and the cache fills itself
    /// when it can prove the value is not stale. Expired notifications are never returned.
    func notification(
        user: String, id: String, now: Timestamp, load: @Sendable () async throws -> Notification?
    ) async throws -> Notification?
    /// The notification's JSON when the cache holds a fresh entry of it, handed to `completion` on
    /// a cache thread (which must only hand on); nil on a miss, a lease, an outage or an expired
    /// entry, and then nothing is filled: the caller reads through
    /// ``notification(user:id:now:load:)``. Without Swift concurrency, for callers on an event loop.
    func cachedNotification(
        user: String, id: String, now: Timestamp, completion: @escaping @Sendable (NotificationJSON?) -> Void)
    /// Drops cached entries of these notifications after a committed change; `completion` runs on
    /// a cache thread once they are gone (or the cache is marked down) and must only hand on.
    func invalidate(user: String, ids: [String], completion: @escaping @Sendable () -> Void)
    /// Drops every cached entry of the user after a committed bulk change; `completion` as for
    /// ``invalidate(user:ids:completion:)``.
    func invalidateAll(user: String, completion: @escaping @Sendable () -> Void)
    /// Whether the cache is currently used; while it is down, reads go to the store.
    var status: CacheStatus { get }
}

extension NotificationCache {
    /// Drops cached entries of these notifications after a committed change.
    public func invalidate(user: String, ids: [String]) async {
        await withCheckedContinuation { continuation in
            invalidate(user: user, ids: ids) { continuation.resume() }
        }
    }

    /// Drops every cached entry of the user after a committed bulk change.
    public func invalidateAll(user: String) async {
        await withCheckedContinuation { continuation in
            invalidateAll(user: user) { continuation.resume() }
        }
    }
}
