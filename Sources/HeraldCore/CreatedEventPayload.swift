/// The `data` of a `notification.created` event, built in two steps: the notification's part when
/// the notification is known, the counts when the transaction has assigned them. Lets the store
/// render the JSON before it takes the single writer.
///
/// `{"notification":{…},"seq":N,"unread":N,"unseen":N}` (sorted keys, like every payload).
public struct CreatedEventPayload: Sendable {
    /// `{"notification":`, which the head starts with.
    private static let opening = Array(#"{"notification":"#.utf8)

    private let head: [UInt8]

    /// The notification's JSON as the event holds it: what ``Notification/write(to:)``
    /// writes. Answers that show the new notification write these bytes rather than render it
    /// again (a view into the payload, not a copy).
    public var notificationJSON: ArraySlice<UInt8> { head[Self.opening.count...] }

    public init(_ notification: Notification) {
        var writer = JSONWriter(capacity: 512 + notification.data.json.utf8.count)
        writer.raw(Self.opening)
        notification.write(to: &writer)
        head = writer.bytes
    }

    /// The payload with the user's counts after the change.
    public func completed(counts: Counts) -> String {
        var writer = JSONWriter(capacity: head.count + 64)
        writer.raw(head)
        counts.writeCountMembers(to: &writer)
        writer.raw(CollectionOfOne(UInt8(ascii: "}")))
        return writer.string
    }
}
