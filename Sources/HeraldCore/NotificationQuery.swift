/// Which notifications a list request wants.
public struct NotificationQuery: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case unread, read, all }

    public var user: String
    public var status: Status
    public var archived: Bool
    public var type: String?
    public var tag: String?
    public var limit: Int
    /// Opaque position to continue after (from a previous page's `next_cursor`).
    public var after: Int64?

    public init(
        user: String, status: Status = .all, archived: Bool = false, type: String? = nil,
        tag: String? = nil, limit: Int = 50, after: Int64? = nil
    ) {
        self.user = user
        self.status = status
        self.archived = archived
        self.type = type
        self.tag = tag
        self.limit = limit
        self.after = after
    }
}
