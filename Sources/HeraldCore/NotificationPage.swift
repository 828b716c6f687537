/// One page of a list.
public struct NotificationPage: Sendable, Hashable {
    public var notifications: [Notification]
    /// Position to pass as ``NotificationQuery/after`` for the next page, nil at the end.
    public var nextPosition: Int64?

    public init(notifications: [Notification], nextPosition: Int64?) {
        self.notifications = notifications
        self.nextPosition = nextPosition
    }
}
