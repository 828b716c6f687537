/// The result of a state change of one notification.
public enum ChangeOutcome: Sendable, Hashable {
    case changed(NotificationChange)
    /// Already in the target state: nothing changed, no event.
    case unchanged(Notification, Counts)
    case notFound
}
