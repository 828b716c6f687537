/// The result of creating one notification.
public enum CreateOutcome: Sendable, Hashable {
    /// A new notification was stored.
    case created(NotificationChange)
    /// The same `(user, id)` with identical content already existed: nothing changed.
    case replayed(Notification, Counts)
    /// The same `(user, id)` exists with different content.
    case conflict
}
