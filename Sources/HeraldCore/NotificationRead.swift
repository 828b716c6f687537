/// A read of one notification that needed no read through the cache
/// (``HeraldService/notificationWithoutFilling(user:id:completion:)``).
public enum NotificationRead: Sendable {
    /// A fresh entry of the notification cache: the notification's JSON, as the API answers it.
    case cached(NotificationJSON)
    /// The store's answer, the cache being down: the notification, nil when there is none.
    case stored(Result<Notification?, HeraldError>)
}
