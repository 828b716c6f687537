/// One state change of a user, as appended to the durable log and delivered over SSE.
public struct UserEvent: Sendable, Hashable {
    public var user: String
    /// The user's sequence number for this event: previous + 1, no gaps.
    public var seq: Int64
    public var name: EventName
    /// The event's `data` line: one line of JSON including `seq`, `unread` and `unseen`.
    public var data: String

    public init(user: String, seq: Int64, name: EventName, data: String) {
        self.user = user
        self.seq = seq
        self.name = name
        self.data = data
    }
}
