import HeraldCore

/// One entry of a batch response.
struct BatchResult: Encodable {
    var status: Int
    var notification: Notification?
    var error: ErrorBody.Detail?
    /// The notification's JSON already rendered for its event (``NotificationChange/notificationJSON``),
    /// written as is; not a member of the JSON.
    var notificationJSON: ArraySlice<UInt8>?

    enum CodingKeys: String, CodingKey {
        case status, notification, error
    }
}
