/// A cache of single notifications (their content and read/seen/archived state) in front of the store.
public protocol NotificationCache: Sendable {
    /// The notification from the cache; on a miss `load` reads the store and the cache fills itself
    /// when it can prove the value is not stale. Expired notifications are never returned.
    func notification(
        user: String, id: String, now: Timestamp, load: @Sendable () async throws -> Notification?
    ) async throws -> Notification?
    /// Drops cached entries of these notifications after a committed change.
    func invalidate(user: String, ids: [String]) async
    /// Drops every cached entry of the user after a committed bulk change.
    func invalidateAll(user: String) async
}
