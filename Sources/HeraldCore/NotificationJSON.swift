/// A notification's JSON as ``Notification/write(to:)`` writes it, which is the API's answer for
/// that notification, kept as bytes, with the three fields a cache reader checks before answering
/// with it. Reading one checks every byte as ``JSONReader`` does but builds only those three
/// fields: a cached read answers the bytes as they are instead of building a ``Notification`` and
/// writing it again.
public struct NotificationJSON: Sendable, Hashable {
    /// The JSON: one object, its members in the writer's order.
    public let bytes: [UInt8]
    public let id: String
    public let user: String
    public let expiresAt: Timestamp

    /// The members ``Notification/write(to:)`` writes, in its order (sorted by their UTF-8 bytes).
    static let memberNames = [
        "archived_at", "body", "created_at", "data", "expires_at", "id", "read_at", "seen_at", "tags", "title",
        "type", "user",
    ]

    /// The JSON in `bytes`; nil unless they are one valid JSON object with exactly the members
    /// the writer writes, in its order, and string `id`, `user` and `expires_at` (RFC 3339). The
    /// other members' values are checked as JSON, not as a notification's fields: the bytes are
    /// meant to be ones Herald wrote, and the order of the members tells a JSON of another shape
    /// (another version's) from Herald's.
    public init?(_ bytes: [UInt8]) {
        var (position, id, user, expiresAt): (Int, String?, String?, String?) = (0, nil, nil, nil)
        let names = Self.memberNames
        let isObject = try? JSONReader.read(bytes) { reader throws(JSONReader.Failure) in
            try reader.readObject { name, reader throws(JSONReader.Failure) in
                guard position < names.count, name == names[position] else {
                    throw JSONReader.Failure(offset: 0, reason: "not a notification's member")
                }
                position += 1
                switch name {
                case "id": id = try reader.readString()
                case "user": user = try reader.readString()
                case "expires_at": expiresAt = try reader.readString()
                default: try reader.skipValue()
                }
            }
        }
        guard isObject == true, position == names.count, let id, let user,
            let expiresAt = expiresAt.flatMap(Timestamp.init(rfc3339:))
        else { return nil }
        self.bytes = bytes
        self.id = id
        self.user = user
        self.expiresAt = expiresAt
    }
}
