import HeraldCore

/// `{"notification": …, "counts": …}`.
struct NotificationWithCounts: Encodable {
    var notification: Notification
    var counts: Counts
}
