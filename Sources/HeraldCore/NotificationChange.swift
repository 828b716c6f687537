/// A committed change of one notification.
public struct NotificationChange: Sendable, Hashable {
    public var notification: Notification
    public var counts: Counts
    public var event: UserEvent
    public var delta: CountsDelta

    public init(notification: Notification, counts: Counts, event: UserEvent, delta: CountsDelta) {
        self.notification = notification
        self.counts = counts
        self.event = event
        self.delta = delta
    }
}
