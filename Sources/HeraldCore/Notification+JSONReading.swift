// Read back from the JSON ``Notification/write(to:)`` makes, with ``JSONReader``: `data` keeps
// every number as that reader reads it (integers beyond `Int64` included), which `JSONDecoder`
// cannot tell apart from large doubles.
extension Notification {
    /// The notification in `bytes`; nil when they are not a notification's JSON.
    public init?(json bytes: some Collection<UInt8>) {
        guard let parsed = try? JSONReader.parse(bytes), let members = parsed.objectMembers,
            case .string(let id) = members["id"], case .string(let user) = members["user"],
            case .string(let type) = members["type"], let data = members["data"]?.objectMembers,
            let tags = members["tags"]?.strings, let createdAt = Self.instant(members["created_at"]),
            let expiresAt = Self.instant(members["expires_at"]),
            let title = Self.optionalString(members["title"]), let body = Self.optionalString(members["body"]),
            let readAt = Self.optionalInstant(members["read_at"]),
            let seenAt = Self.optionalInstant(members["seen_at"]),
            let archivedAt = Self.optionalInstant(members["archived_at"])
        else { return nil }
        self.init(
            id: id, user: user, type: type, title: title, body: body, data: NotificationData(data), tags: tags,
            createdAt: createdAt,
            expiresAt: expiresAt, readAt: readAt, seenAt: seenAt, archivedAt: archivedAt)
    }

    private static func instant(_ value: JSONValue?) -> Timestamp? {
        guard case .string(let text) = value else { return nil }
        return Timestamp(rfc3339: text)
    }

    /// `.some(nil)` for a JSON null, `.some(text)` for a string, nil (not a notification) otherwise.
    private static func optionalString(_ value: JSONValue?) -> String?? {
        switch value {
        case .null: return .some(nil)
        case .string(let text): return .some(text)
        default: return nil
        }
    }

    private static func optionalInstant(_ value: JSONValue?) -> Timestamp?? {
        switch value {
        case .null: return .some(nil)
        case .string: return instant(value).map { .some($0) }
        default: return nil
        }
    }
}
