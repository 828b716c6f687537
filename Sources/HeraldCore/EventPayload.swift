/// Builds the one-line JSON `data` of each SSE event.
public enum EventPayload {
    private struct Body {
        var counts: Counts
        var id: String?
        var changed: (key: String, value: Timestamp?)?
        var updated: Int?

        /// Members in sorted key order: archived_at, id, read_at, seq, unread, unseen, updated (the
        /// changed timestamp is `archived_at` or `read_at`).
        func write(to writer: inout JSONWriter) {
            writer.object { writer in
                if let changed, changed.key < "id" {
                    writer.key(dynamic: changed.key)
                    writer.timestamp(changed.value)
                }
                if let id {
                    writer.key("id")
                    writer.string(id)
                }
                if let changed, changed.key > "id" {
                    writer.key(dynamic: changed.key)
                    writer.timestamp(changed.value)
                }
                counts.writeCountMembers(to: &writer)
                if let updated {
                    writer.key("updated")
                    writer.int(updated)
                }
            }
        }
    }

    private static func encode(_ body: Body) -> String {
        var writer = JSONWriter(capacity: 96)
        body.write(to: &writer)
        return writer.string
    }

    /// `counts` and `reset`: the user's snapshot, which is the counts object itself.
    public static func snapshot(_ counts: Counts) -> String {
        String(decoding: counts.jsonBytes, as: UTF8.self)
    }

    /// `notification.created` (see ``CreatedEventPayload`` to render the notification beforehand).
    public static func created(_ notification: Notification, counts: Counts) -> String {
        CreatedEventPayload(notification).completed(counts: counts)
    }

    /// `notification.read|unread|archived|unarchived`: the id and the changed timestamp.
    public static func changed(_ change: StateChange, _ notification: Notification, counts: Counts) -> String {
        encode(
            Body(counts: counts, id: notification.id, changed: change.changedField(of: notification)))
    }

    /// `notification.deleted|expired`.
    public static func removed(id: String, counts: Counts) -> String {
        encode(Body(counts: counts, id: id))
    }

    /// `notifications.read_all|seen`.
    public static func bulk(updated: Int, counts: Counts) -> String {
        encode(Body(counts: counts, updated: updated))
    }
}
