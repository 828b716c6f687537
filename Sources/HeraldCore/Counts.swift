/// A user's exact counts and latest event sequence number.
public struct Counts: Sendable, Hashable, Codable {
    public var user: String
    public var unread: Int64
    public var unseen: Int64
    public var seq: Int64

    public init(user: String, unread: Int64, unseen: Int64, seq: Int64) {
        self.user = user
        self.unread = unread
        self.unseen = unseen
        self.seq = seq
    }

    /// The counts of a user with no notifications and no events.
    public static func empty(user: String) -> Counts { Counts(user: user, unread: 0, unseen: 0, seq: 0) }
}
