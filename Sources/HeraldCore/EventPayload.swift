import Foundation

/// Builds the one-line JSON `data` of each SSE event.
public enum EventPayload {
    private struct Body: Encodable {
        var seq: Int64
        var unread: Int64
        var unseen: Int64
        var user: String?
        var id: String?
        var notification: Notification?
        var changed: (key: String, value: Timestamp?)?
        var updated: Int?

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(seq, forKey: Key("seq"))
            try container.encode(unread, forKey: Key("unread"))
            try container.encode(unseen, forKey: Key("unseen"))
            try container.encodeIfPresent(user, forKey: Key("user"))
            try container.encodeIfPresent(id, forKey: Key("id"))
            try container.encodeIfPresent(notification, forKey: Key("notification"))
            if let changed { try container.encode(changed.value, forKey: Key(changed.key)) }
            try container.encodeIfPresent(updated, forKey: Key("updated"))
        }
    }

    private static func encode(_ body: Body) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain values cannot fail; an empty object keeps the stream well-formed regardless.
        guard let data = try? encoder.encode(body) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// `counts` and `reset`: the user's snapshot.
    public static func snapshot(_ counts: Counts) -> String {
        encode(Body(seq: counts.seq, unread: counts.unread, unseen: counts.unseen, user: counts.user))
    }

    /// `notification.created`.
    public static func created(_ notification: Notification, counts: Counts) -> String {
        encode(Body(seq: counts.seq, unread: counts.unread, unseen: counts.unseen, notification: notification))
    }

    /// `notification.read|unread|archived|unarchived`: the id and the changed timestamp.
    public static func changed(_ change: StateChange, _ notification: Notification, counts: Counts) -> String {
        encode(
            Body(
                seq: counts.seq, unread: counts.unread, unseen: counts.unseen, id: notification.id,
                changed: change.changedField(of: notification)))
    }

    /// `notification.deleted|expired`.
    public static func removed(id: String, counts: Counts) -> String {
        encode(Body(seq: counts.seq, unread: counts.unread, unseen: counts.unseen, id: id))
    }

    /// `notifications.read_all|seen`.
    public static func bulk(updated: Int, counts: Counts) -> String {
        encode(Body(seq: counts.seq, unread: counts.unread, unseen: counts.unseen, updated: updated))
    }
}
