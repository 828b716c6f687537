// Written in sorted key order with explicit nulls, exactly as `encode(to:)` does under `.sortedKeys`.
extension Notification: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        write(to: &writer, dataJSON: nil)
    }

    /// Written with `dataJSON`, when given, as the JSON of `data`: the rendering a
    /// ``NotificationDraft`` made once (``NotificationDraft/dataJSON``), not made again.
    public func write(to writer: inout JSONWriter, dataJSON: String?) {
        writer.object { writer in
            writer.key("archived_at")
            writer.timestamp(archivedAt)
            writer.key("body")
            writer.string(body)
            writer.key("created_at")
            writer.timestamp(createdAt)
            writer.key("data")
            if let dataJSON { writer.raw(dataJSON.utf8) } else { writer.object(data) }
            writer.key("expires_at")
            writer.timestamp(expiresAt)
            writer.key("id")
            writer.string(id)
            writer.key("read_at")
            writer.timestamp(readAt)
            writer.key("seen_at")
            writer.timestamp(seenAt)
            writer.key("tags")
            writer.array(tags) { $0.string($1) }
            writer.key("title")
            writer.string(title)
            writer.key("type")
            writer.string(type)
            writer.key("user")
            writer.string(user)
        }
    }
}
