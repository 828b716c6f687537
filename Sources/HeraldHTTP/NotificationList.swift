import HeraldCore

/// `{"notifications": […], "next_cursor": …}`.
struct NotificationList: Encodable {
    var notifications: [Notification]
    var nextCursor: String?

    /// The answer for a page.
    init(_ page: NotificationPage) {
        notifications = page.notifications
        nextCursor = page.nextPosition.map(ListCursor.encode)
    }

    enum CodingKeys: String, CodingKey {
        case notifications
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(notifications, forKey: .notifications)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
