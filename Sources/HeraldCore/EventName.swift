/// The SSE event names of the API.
public enum EventName: String, Sendable, Hashable, CaseIterable {
    case counts
    case created = "notification.created"
    case read = "notification.read"
    case unread = "notification.unread"
    case archived = "notification.archived"
    case unarchived = "notification.unarchived"
    case deleted = "notification.deleted"
    case expired = "notification.expired"
    case readAll = "notifications.read_all"
    case seen = "notifications.seen"
    case reset
}
