import HeraldCore

/// `{"notification": …, "counts": …}`.
struct NotificationWithCounts: Encodable {
    var notification: Notification
    var counts: Counts
}

/// `{"counts": …}`.
struct CountsOnly: Encodable {
    var counts: Counts
}

/// `{"updated": N, "counts": …}`.
struct UpdatedWithCounts: Encodable {
    var updated: Int
    var counts: Counts
}

/// `{"notifications": […], "next_cursor": …}`.
struct NotificationList: Encodable {
    var notifications: [Notification]
    var nextCursor: String?

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

/// One entry of a batch response.
struct BatchResult: Encodable {
    var status: Int
    var notification: Notification?
    var error: ErrorBody.Detail?
    /// The notification's `data` already rendered (``NotificationDraft/dataJSON``), written as is;
    /// not a member of the JSON.
    var dataJSON: String?

    enum CodingKeys: String, CodingKey {
        case status, notification, error
    }
}

/// `{"results": […]}`.
struct BatchResponse: Encodable {
    var results: [BatchResult]
}

/// `{"token": …, "expires_at": …}`.
struct TokenResponse: Encodable {
    var token: String
    var expiresAt: Timestamp
    enum CodingKeys: String, CodingKey {
        case token
        case expiresAt = "expires_at"
    }
}

/// `{"user": …, "token": …, "expires_at": …}`: the demo page's credentials.
struct DemoSession: Encodable {
    var user: String
    var token: String
    var expiresAt: Timestamp
    enum CodingKeys: String, CodingKey {
        case user
        case token
        case expiresAt = "expires_at"
    }
}
