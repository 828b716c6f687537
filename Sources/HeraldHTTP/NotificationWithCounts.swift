import HeraldCore

/// `{"notification": …, "counts": …}`.
struct NotificationWithCounts: Encodable {
    var notification: Notification
    var counts: Counts
    /// The notification's JSON already rendered for its event (``NotificationChange/notificationJSON``),
    /// written as is; not a member of the JSON.
    var notificationJSON: ArraySlice<UInt8>? = nil

    enum CodingKeys: String, CodingKey {
        case notification, counts
    }
}
