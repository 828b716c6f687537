/// One user's notification, as the notification cache keys it.
struct CachedNotificationID: Hashable, Sendable {
    let user: String
    let id: String
}
