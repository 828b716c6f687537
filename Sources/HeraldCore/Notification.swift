/// A notification as stored and returned by the API.
public struct Notification: Sendable, Hashable, Codable {
    public var id: String
    public var user: String
    public var type: String
    public var title: String?
    public var body: String?
    public var data: NotificationData
    public var tags: [String]
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var readAt: Timestamp?
    public var seenAt: Timestamp?
    public var archivedAt: Timestamp?

    public init(
        id: String, user: String, type: String, title: String?, body: String?,
        data: NotificationData, tags: [String], createdAt: Timestamp, expiresAt: Timestamp,
        readAt: Timestamp? = nil, seenAt: Timestamp? = nil, archivedAt: Timestamp? = nil
    ) {
        self.id = id
        self.user = user
        self.type = type
        self.title = title
        self.body = body
        self.data = data
        self.tags = tags
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.readAt = readAt
        self.seenAt = seenAt
        self.archivedAt = archivedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, user, type, title, body, data, tags
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case readAt = "read_at"
        case seenAt = "seen_at"
        case archivedAt = "archived_at"
    }

    /// Encodes every field, with explicit `null`s, as the API documents.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(user, forKey: .user)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(body, forKey: .body)
        try container.encode(data, forKey: .data)
        try container.encode(tags, forKey: .tags)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(readAt, forKey: .readAt)
        try container.encode(seenAt, forKey: .seenAt)
        try container.encode(archivedAt, forKey: .archivedAt)
    }

    /// Whether the notification counts as unread: not read and not archived.
    public var countsAsUnread: Bool { readAt == nil && archivedAt == nil }

    /// Whether the notification counts as unseen: unread and not seen.
    public var countsAsUnseen: Bool { countsAsUnread && seenAt == nil }

    /// True when `other` carries the same client-supplied content (what a replayed create must match).
    public func hasSameContent(as draft: NotificationDraft) -> Bool {
        type == draft.type && title == draft.title && body == draft.body && data == draft.data
            && tags == draft.tags
    }
}
