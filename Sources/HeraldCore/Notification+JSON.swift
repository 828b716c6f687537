// Written in sorted key order with explicit nulls, exactly as `encode(to:)` does under `.sortedKeys`.
extension Notification: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        write(to: &writer, dataJSON: nil)
    }

    /// Writes `rendered` when given, this notification's JSON as its event already holds it
    /// (``NotificationChange/notificationJSON``), and renders it otherwise.
    public func write(to writer: inout JSONWriter, rendered: ArraySlice<UInt8>?) {
        if let rendered { writer.raw(rendered) } else { write(to: &writer) }
    }

    /// Written with `dataJSON`, when given, as the JSON of `data`: the rendering a
    /// ``NotificationDraft`` made once (``NotificationDraft/dataJSON``), not made again.
    public func write(to writer: inout JSONWriter, dataJSON: String?) {
        // Each member's punctuation and key in one constant: this runs for every notification
        // of every answer, event and batch.
        writer.raw(#"{"archived_at":"#)
        writer.timestamp(archivedAt)
        writer.raw(#","body":"#)
        writer.string(body)
        writer.raw(#","created_at":"#)
        writer.timestamp(createdAt)
        writer.raw(#","data":"#)
        if let dataJSON { writer.raw(dataJSON.utf8) } else { writer.object(data) }
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
