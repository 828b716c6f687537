/// How one committed transaction changed a user's counters: what the cache applies after commit.
public struct CountsDelta: Sendable, Hashable {
    public var user: String
    /// Change of the unread count.
    public var unread: Int64
    /// Change of the unseen count.
    public var unseen: Int64
    /// How many events the transaction appended for the user (the seq increase).
    public var events: Int64
    /// The user's seq after the transaction; the cache uses it to validate its own state.
    public var seqAfter: Int64

    public init(user: String, unread: Int64, unseen: Int64, events: Int64, seqAfter: Int64) {
        self.user = user
        self.unread = unread
        self.unseen = unseen
        self.events = events
        self.seqAfter = seqAfter
    }

    /// The delta between two snapshots of the same user.
    public init(from before: Counts, to after: Counts) {
        self.init(
            user: after.user, unread: after.unread - before.unread, unseen: after.unseen - before.unseen,
            events: after.seq - before.seq, seqAfter: after.seq)
    }

    /// True when nothing changed.
    public var isEmpty: Bool { unread == 0 && unseen == 0 && events == 0 }
}
