/// A committed change of one notification.
public struct NotificationChange: Sendable, Hashable {
    public var notification: Notification
    public var counts: Counts
    public var event: UserEvent
    public var delta: CountsDelta
    /// A new notification's JSON, already rendered for its event (``CreatedEventPayload``): what
    /// ``Notification/write(to:)`` writes for it. Nil for other changes.
    public var notificationJSON: ArraySlice<UInt8>?

    public init(
        notification: Notification, counts: Counts, event: UserEvent, delta: CountsDelta,
        notificationJSON: ArraySlice<UInt8>? = nil
    ) {
        self.notification = notification
        self.counts = counts
        self.event = event
        self.delta = delta
        self.notificationJSON = notificationJSON
    }
}
