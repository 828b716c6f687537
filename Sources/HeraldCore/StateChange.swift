/// A change of one notification's state.
public enum StateChange: String, Sendable, Hashable, CaseIterable {
    case read, unread, archive, unarchive

    /// Applies the change; returns nil when the notification is already in the target state.
    public func apply(to notification: Notification, at now: Timestamp) -> Notification? {
        var changed = notification
        switch self {
        case .read:
            guard notification.readAt == nil else { return nil }
            changed.readAt = now
            if changed.seenAt == nil { changed.seenAt = now }
        case .unread:
            guard notification.readAt != nil else { return nil }
            changed.readAt = nil
        case .archive:
            guard notification.archivedAt == nil else { return nil }
            changed.archivedAt = now
        case .unarchive:
            guard notification.archivedAt != nil else { return nil }
            changed.archivedAt = nil
        }
        return changed
    }

    /// The event announcing the change.
    public var eventName: EventName {
        switch self {
        case .read: .read
        case .unread: .unread
        case .archive: .archived
        case .unarchive: .unarchived
        }
    }

    /// The field the event reports, with its new value.
    public func changedField(of notification: Notification) -> (key: String, value: Timestamp?) {
        switch self {
        case .read, .unread: ("read_at", notification.readAt)
        case .archive, .unarchive: ("archived_at", notification.archivedAt)
        }
    }
}
