// Written in sorted key order with explicit nulls, exactly as `encode(to:)` does under `.sortedKeys`.
extension Notification: JSONWritable {
    /// Writes `rendered` when given, this notification's JSON as its event already holds it
    /// (``NotificationChange/notificationJSON``), and renders it otherwise.
    public func write(to writer: inout JSONWriter, rendered: ArraySlice<UInt8>?) {
        if let rendered { writer.raw(rendered) } else { write(to: &writer) }
    }

    /// Written with `data`'s JSON as it is (``NotificationData/json``).
    public func write(to writer: inout JSONWriter) {
        // Each member's punctuation and key in one constant: this runs for every notification
        // of every answer, event and batch.
        writer.raw(#"{"archived_at":"#)
        writer.timestamp(archivedAt)
        writer.raw(#","body":"#)
        writer.string(body)
        writer.raw(#","created_at":"#)
        writer.timestamp(createdAt)
        writer.raw(#","data":"#)
        writer.raw(data.json.utf8)
        writer.raw(#","expires_at":"#)
        writer.timestamp(expiresAt)
        writer.raw(#","id":"#)
        writer.string(id)
        writer.raw(#","read_at":"#)
        writer.timestamp(readAt)
        writer.raw(#","seen_at":"#)
        writer.timestamp(seenAt)
        writer.raw(#","tags":"#)
        writer.array(tags) { $0.string($1) }
        writer.raw(#","title":"#)
        writer.string(title)
        writer.raw(#","type":"#)
        writer.string(type)
        writer.raw(#","user":"#)
        writer.string(user)
        writer.raw("}")
    }
}
